"""The paper's analyses on top of the per-problem counts: bands, pair statistics, coverage,
accuracy histograms, response statistics, perplexity and the tables for papers."""
