"""Forms: the per-project tables other offices publish (申报表, 批复表, 目标表, 自评表,
部门整体), read from the cell grid of any container (`jixiao.readers.grid`)."""

from jixiao.forms.reader import FormReader, FormSettings, read_grid

__all__ = ["FormReader", "FormSettings", "read_grid"]
