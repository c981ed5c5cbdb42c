"""Quality evaluation: metrics of tone nudges against labelled conversations, and baselines."""
