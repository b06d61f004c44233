"""The auditor's toolkit: what changed between two moments (`diff`), signed checkpoints
(`checkpoint`), offline audit bundles (`bundle`) and the rule catalogue (`catalogue`)."""
