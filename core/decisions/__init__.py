"""Decisions: what plugins return (`results`), the shared mechanics they build them with (`ranking`,
`scoring`, `settings`), and the decider that runs a province's plugin over a replay (`decider`)."""
