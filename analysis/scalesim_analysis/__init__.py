"""Load ScaleSim HDF5 results (docs/hdf5-schema.md) and draw the standard report."""

from .loader import SCHEMA_VERSION, Results, histogram_quantile, load
from .report import write_report

__all__ = ["SCHEMA_VERSION", "Results", "histogram_quantile", "load", "write_report"]
