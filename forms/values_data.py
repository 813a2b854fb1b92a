"""Chinese that is data, not words for the user: the values the forms record and the catalog uses.

A form records an applicant's sex as 男/女 (as the ID card says it) and accepts 是/否 and the
material states' Chinese names as input; the catalog names levels and a bundle's departments in
Chinese. These are values compared and stored, the same in either language of the program, so
they live here (tests/test_no_inline_chinese.py exempts modules named *_data.py), not in a catalogue.
"""

from __future__ import annotations

MALE, FEMALE = "男", "女"  # an applicant's sex as the form records it (forms/idnumber.py)
YES_WORDS = frozenset({"是"})  # a yes/no field's Chinese input (forms/fieldtypes.py)
NO_WORDS = frozenset({"否"})
MATERIAL_STATE_WORDS = {  # a material's state as typed in Chinese (forms/engine.py)
    "已提供": "provided", "提供": "provided",
    "告知承诺": "commitment", "承诺": "commitment",
    "容缺": "missing", "缺": "missing",
}
LEVEL_NAMES = {"village": "村级", "township": "乡镇", "county": "县级"}  # the catalog's own names
MANY_DEPARTMENTS = "多部门"  # a bundle's department, as the catalog lists departments
