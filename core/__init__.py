"""thidua: an event-sourced engine for emulation and commendation work (thi đua – khen thưởng).

The installed package ``thidua`` is the ``core/`` folder: events, the hash-chained store,
the replay of a period into facts, the plugin contract and the decisions plugins return.
"""

__version__ = "0.1.0"
