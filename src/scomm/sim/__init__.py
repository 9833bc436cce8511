"""The synthetic nation and its scenarios: the ONLY place that knows who a person really is."""
