"""Knowledge: wiki pages learned from sources, indexed in a knowledge backend, retrieved for experiments."""
