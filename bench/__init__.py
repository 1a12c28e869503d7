"""Benchmarks and simulations (`make bench`); never deployed."""
