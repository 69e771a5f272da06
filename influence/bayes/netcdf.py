"""Groups of labelled numpy arrays, written and read as netCDF-4 without ArviZ or xarray.

A :class:`Group` holds what one group of an ArviZ ``InferenceData`` holds (data variables with
named dimensions and attributes, the coordinate values of its dimensions, and attributes).
:func:`write_groups` writes a mapping of groups to a netCDF-4 file with the ``netCDF4`` library
in the layout ``InferenceData.to_netcdf`` gives the same data (one netCDF group per group,
numeric variables zlib-compressed at level 4 with shuffling unless told not to, floating
variables with a NaN ``_FillValue``, string coordinates as variable-length strings, no
attributes on the root group), so ``arviz.from_netcdf`` reads it back as it reads a file
ArviZ wrote. :func:`read_groups` reads such a file back into groups with the ``netCDF4`` library
alone (importing it takes a fraction of a second, against seconds for ArviZ and xarray).
:func:`to_dataset` turns a group into the ``xarray.Dataset`` ArviZ would hold, and
:func:`from_dataset` an ``xarray.Dataset`` (such as PyMC's sampling statistics) into a group.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Variable", "Group", "write_groups", "read_groups", "to_dataset", "from_dataset"]


@dataclass
class Variable:
    """A data variable: its dimension names, its values and its attributes."""

    dims: tuple[str, ...]
    values: np.ndarray
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Group:
    """Data variables (in order), the coordinates of the dimensions that have labels (in
    order), and the group's attributes."""

    variables: dict[str, Variable] = field(default_factory=dict)
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    attrs: dict[str, Any] = field(default_factory=dict)

    def dims(self) -> dict[str, int]:
        """Dimension sizes, in the order of first use by the variables, then the coordinates."""
        sizes: dict[str, int] = {}
        for var in self.variables.values():
            for name, size in zip(var.dims, np.shape(var.values), strict=True):
                sizes.setdefault(name, int(size))
        for name, values in self.coords.items():
            sizes.setdefault(name, len(values))
        return sizes


def _compressible(dtype: np.dtype) -> bool:
    return dtype.kind in "biufc"  # as ArviZ: numbers and booleans, never strings


def _write_variable(nc: Any, name: str, dims: tuple[str, ...], values: np.ndarray,
                    attrs: Mapping[str, Any], compress: bool) -> None:
    values = np.asarray(values)
    if values.dtype.kind in "US":
        var = nc.createVariable(name, str, dims)
        var[...] = values.astype(object)
    else:
        fill = np.nan if values.dtype.kind == "f" else None
        # Uncompressed variables are stored contiguously: no chunk index to build.
        storage = {"zlib": True, "complevel": 4, "shuffle": True} \
            if compress and _compressible(values.dtype) else {"contiguous": True}
        var = nc.createVariable(name, values.dtype, dims, fill_value=fill, **storage)
        var[...] = values
    for key, value in attrs.items():
        var.setncattr(key, value)


def write_groups(path: str | os.PathLike[str], groups: Mapping[str, Group], *,
                 compress: bool = True) -> None:
    """Write ``groups`` to a new netCDF-4 file at ``path`` (replacing any file there).

    Parameters
    ----------
    path : path
        The file.
    groups : mapping
        ``{group name: Group}``, written in order.
    compress : bool
        Compress the numeric variables with zlib (level 4, shuffled), as ArviZ does. Posterior
        draws hardly compress (a sixth smaller at most) and compressing them takes most of the
        time of writing, so :meth:`influence.Posterior.write` passes False; the file reads the
        same either way.

    Raises
    ------
    OSError
        If the file cannot be written.
    """
    import netCDF4

    try:
        nc = netCDF4.Dataset(os.fspath(path), mode="w", format="NETCDF4")
    except RuntimeError as exc:  # netCDF4 reports some failures so
        raise OSError(str(exc)) from exc
    try:
        with nc:
            for name, group in groups.items():
                sub = nc.createGroup(name)
                for key, value in group.attrs.items():
                    sub.setncattr(key, value)
                for dim, size in group.dims().items():
                    sub.createDimension(dim, size)
                for var_name, var in group.variables.items():
                    _write_variable(sub, var_name, var.dims, var.values, var.attrs, compress)
                for dim, values in group.coords.items():
                    _write_variable(sub, dim, (dim,), np.asarray(values), {}, compress)
    except RuntimeError as exc:  # a failed write (a full disk) is reported so too
        raise OSError(str(exc)) from exc


def to_dataset(group: Group) -> Any:
    """The group as an ``xarray.Dataset``."""
    import xarray as xr

    data_vars = {name: xr.Variable(var.dims, var.values, attrs=dict(var.attrs))
                 for name, var in group.variables.items()}
    return xr.Dataset(data_vars, coords=dict(group.coords), attrs=dict(group.attrs))


def _attribute(value: Any) -> Any:
    """A netCDF attribute as plain Python (numpy scalars and one-element arrays unwrapped)."""
    if isinstance(value, np.ndarray):
        return value.item() if value.size == 1 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_variable(var: Any) -> np.ndarray:
    var.set_auto_mask(False)  # fill values stay NaN (floats), never masked arrays
    values = var[...]
    if var.dtype is str or getattr(var.dtype, "kind", "") == "O":
        return np.asarray(values, dtype=object).astype(str)
    return np.asarray(values)


def read_groups(path: str | os.PathLike[str]) -> dict[str, Group]:
    """Read every group of a netCDF-4 file written by :func:`write_groups` or by ArviZ.

    Coordinate variables (a variable named as its one dimension) become the group's
    ``coords``; the others its ``variables``, with their attributes.

    Raises
    ------
    OSError
        If the file cannot be opened or read as netCDF-4.
    """
    import netCDF4

    try:
        nc = netCDF4.Dataset(os.fspath(path), mode="r")
    except (RuntimeError, ValueError) as exc:  # netCDF4 reports unreadable files so
        raise OSError(str(exc)) from exc
    groups: dict[str, Group] = {}
    with nc:
        try:
            for name, sub in nc.groups.items():
                group = Group(attrs={k: _attribute(sub.getncattr(k)) for k in sub.ncattrs()})
                for var_name, var in sub.variables.items():
                    values = _read_variable(var)
                    if var.dimensions == (var_name,):
                        group.coords[var_name] = values
                        continue
                    attrs = {k: _attribute(var.getncattr(k)) for k in var.ncattrs()
                             if k != "_FillValue"}
                    group.variables[var_name] = Variable(tuple(var.dimensions), values, attrs)
                groups[name] = group
        except (RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise OSError(str(exc)) from exc
    return groups


def from_dataset(dataset: Any) -> Group:
    """An ``xarray.Dataset`` as a group (its data variables, coordinates and attributes)."""
    group = Group(attrs=dict(dataset.attrs))
    for name, var in dataset.data_vars.items():
        group.variables[str(name)] = Variable(tuple(str(d) for d in var.dims),
                                              np.asarray(var.values), dict(var.attrs))
    for name, coord in dataset.coords.items():
        group.coords[str(name)] = np.asarray(coord.values)
    return group
