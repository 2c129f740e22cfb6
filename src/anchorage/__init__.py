"""Anchorage: an open workbench for anchor collaboratives."""

__version__ = "0.1.0"
