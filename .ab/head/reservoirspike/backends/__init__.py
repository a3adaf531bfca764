"""Simulation kernels: the ground floor, knowing nothing of estimators."""
