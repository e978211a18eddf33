"""Workflows: the only place that runs engines (LAMMPS) and writes to the store."""
