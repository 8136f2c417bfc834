"""Hypothesis properties and reference comparisons, one module per group of parts."""
