"""The four built-in provinces pass the conformance kit every plugin runs (`thidua.testing`)."""

from thidua.testing import ProvinceConformance


class TestLaiChau(ProvinceConformance):
    province = "laichau"
    bad_events = [
        (
            {
                "type": "score.provincial",
                "province": "laichau",
                "period": "2020",
                "at": "2020-12-08",
                "unit": "LDLD_SIN_HO",
                "scorer": "thuong_truc",
                "points": 10.5,
            },
            "LC-SCORE-2",
        )
    ]


class TestLaoCai(ProvinceConformance):
    province = "laocai"


class TestDienBien(ProvinceConformance):
    province = "dienbien"


class TestDistrict1(ProvinceConformance):
    province = "hcm_q1"
