"""Stand-in for MLE-bench's package (openai/mle-bench): the parts tinkerer-plugin-bench's mle-bench suite calls."""
