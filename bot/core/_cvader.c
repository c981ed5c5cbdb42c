#define PY_SSIZE_T_CLEAN
#include <Python.h>

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cvader", "stub", -1, NULL};

PyMODINIT_FUNC PyInit__cvader(void) { return PyModule_Create(&module); }
