"""Read models, a cache the log can always overrule: the index of the log (`index`), decision parts
kept per block or period (`codec` packs them), and the queries that answer from them (`query`)."""
