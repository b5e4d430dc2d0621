"""Tinkerer's Docker deployer: an image built from the solution, served from a container on 127.0.0.1."""
