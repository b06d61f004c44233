"""The log: the hash-chained, append-only store of events (`store`), the chain's hashing (`chain`)
and its verification (`verify`). Positions are the ledger's version: 1, 2, 3, … with no gap."""
