"""Tinkerer's Modal deployer. This package is also shipped into the Modal image: keep it standard-library only."""
