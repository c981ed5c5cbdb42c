/* The per-message work of `LinearTextModel.logit` (bot/core/checks/classifier.py) in C.
 *
 * logit(tables, records, tokens, cues) -> float | None | NotImplemented
 *
 *   tables   (bias, cue_weights, cue_names, no_cues, word_weights): `LinearTextModel._c_tables`;
 *            cue_weights: bytes of 128, the 8 fixed-point weights of the cue-word features
 *            (signed 128-bit, little-endian, units of 2**-64) by (you, profane, insult) index;
 *            word_weights: a dict, or None for a model whose weights do not fit the fixed
 *            point (then every call returns None, before reading the cues, and the caller
 *            scores by feature strings)
 *   records  word -> (bytes of 40, following): the C per-word cache, filled by Python
 *            (`LinearTextModel._remember_c`); the bytes hold, little-endian, the word's
 *            counts field (u64: n-gram count and cue-word counters), its unigram weight and
 *            the sum of its n-gram weights (two signed 128-bit fixed-point values, units of
 *            2**-64); `following` is None or a dict: next word -> bigram weight (a float,
 *            turned into the same fixed point as Python's `_fixed` does).
 *   tokens   a sequence of str; cues: any iterable of str.
 *
 * Returns None when a token has no record yet (the caller fills the records and calls again)
 * or the model is not fixed point, NotImplemented when a token is not exactly a str (the caller
 * uses the Python path).
 *
 * Every float operation is the one the pure-Python path does, in the same order, so both give
 * the same float bit for bit:
 *   - the record fields are summed exactly (as Python's int sum does);
 *   - each distinct (token, next token) pair's bigram weight and each extra cue's weight (the
 *     cues of `set(cues) - names` that do not repeat a word or bigram feature) is rounded to
 *     fixed point (units of 2**-64, ties to even, as `round(weight * 2**64)`) and summed
 *     exactly in 128 bits with the unigram field and the cue-word features' fixed-point
 *     weight, then that sum is rounded once to a double (as Python's int / 2**64): the order
 *     of the pairs and of the cues does not matter, so none is kept (a pointer set of the
 *     distinct pairs only counts each pair once).
 * No globals hold state: everything lives on the C stack or in memory freed before returning.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__SIZEOF_INT128__)

typedef __int128 i128;
typedef unsigned __int128 u128;

#define RECORD_SIZE 40
#define GRAM_COUNT_MASK ((((u128)1) << 40) - 1)
#define YOU_SHIFT 40
#define PROFANE_SHIFT 50
#define INSULT_SHIFT 60
#define CUE_COUNT_MASK ((((u128)1) << 10) - 1)
#define STACK_SLOTS 256 /* pointer slots kept on the C stack (messages up to 128 tokens) */

static uint64_t
read_u64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t value;
    memcpy(&value, p, sizeof value);
    return value;
#else
    uint64_t value = 0;
    for (int i = 7; i >= 0; i--) {
        value = (value << 8) | p[i];
    }
    return value;
#endif
}

static i128
read_i128(const unsigned char *p)
{
    u128 value = ((u128)read_u64(p + 8) << 64) | read_u64(p);
    return (i128)value; /* two's complement (GCC/Clang define the conversion) */
}

static size_t
mix(uintptr_t a, uintptr_t b)
{
    uint64_t x = (uint64_t)a * 0x9E3779B97F4A7C15ULL ^ ((uint64_t)b + 0x632BE59BD9B4E019ULL);
    x ^= x >> 32;
    x *= 0xD6E8FEB86659FD93ULL;
    x ^= x >> 32;
    return (size_t)x;
}

/* Open-addressing sets of object pointers and of pointer pairs (NULL marks a free slot). */
typedef struct {
    PyObject **slots;
    size_t mask;
} ptrset;

/* 1 if added, 0 if already there. */
static int
ptrset_add(ptrset *set, PyObject *p)
{
    size_t i = mix((uintptr_t)p, 0) & set->mask;
    while (set->slots[i] != NULL) {
        if (set->slots[i] == p) {
            return 0;
        }
        i = (i + 1) & set->mask;
    }
    set->slots[i] = p;
    return 1;
}

static int
ptrset_has(const ptrset *set, PyObject *p)
{
    size_t i = mix((uintptr_t)p, 0) & set->mask;
    while (set->slots[i] != NULL) {
        if (set->slots[i] == p) {
            return 1;
        }
        i = (i + 1) & set->mask;
    }
    return 0;
}

/* Pairs: slots[2 * i], slots[2 * i + 1]. */
static int
pairset_add(ptrset *set, PyObject *a, PyObject *b)
{
    size_t i = mix((uintptr_t)a, (uintptr_t)b) & set->mask;
    while (set->slots[2 * i] != NULL) {
        if (set->slots[2 * i] == a && set->slots[2 * i + 1] == b) {
            return 0;
        }
        i = (i + 1) & set->mask;
    }
    set->slots[2 * i] = a;
    set->slots[2 * i + 1] = b;
    return 1;
}

static int
pairset_has(const ptrset *set, PyObject *a, PyObject *b)
{
    size_t i = mix((uintptr_t)a, (uintptr_t)b) & set->mask;
    while (set->slots[2 * i] != NULL) {
        if (set->slots[2 * i] == a && set->slots[2 * i + 1] == b) {
            return 1;
        }
        i = (i + 1) & set->mask;
    }
    return 0;
}

/* A float from a weight object (a float, or an int as Python's float addition converts it). */
static int
weight_value(PyObject *obj, double *out)
{
    if (PyFloat_CheckExact(obj)) {
        *out = PyFloat_AS_DOUBLE(obj);
        return 0;
    }
    *out = PyFloat_AsDouble(obj);
    if (*out == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    return 0;
}

/* The record of a word in `records` (borrowed), NULL with no error when absent. */
static PyObject *
record_of(PyObject *records, PyObject *word)
{
    PyObject *record = PyDict_GetItemWithError(records, word);
    if (record == NULL) {
        return NULL;
    }
    if (!PyTuple_CheckExact(record) || PyTuple_GET_SIZE(record) != 2
        || !PyBytes_CheckExact(PyTuple_GET_ITEM(record, 0))
        || PyBytes_GET_SIZE(PyTuple_GET_ITEM(record, 0)) != RECORD_SIZE) {
        PyErr_SetString(PyExc_TypeError, "_clogit: malformed per-word record");
        return NULL;
    }
    return record;
}

/* `weight` in fixed point, units of 2**-64: Python's `round(weight * 2**64)` (float.__round__
 * rounds to the nearest integer, ties to even, whatever the FPU rounding mode). The scaling by a
 * power of two is exact; the caller checks that the result fits. */
static i128
fixed_point(double weight)
{
    double x = weight * 0x1p64;
    double rounded = round(x);
    if (fabs(x - rounded) == 0.5) {
        rounded = 2.0 * round(x / 2.0);
    }
    return (i128)rounded;
}

/* The weight object `weight` (a bigram's or a cue's) in fixed point added to *sum; -1 on
 * error. */
static int
add_fixed_weight(PyObject *weight, i128 *sum)
{
    double value;
    if (weight_value(weight, &value) < 0) {
        return -1;
    }
    if (!(fabs(value) <= 0x1p20)) { /* all weights of a fixed-point model are (word_weights is None else) */
        PyErr_SetString(PyExc_ValueError, "_clogit: weight too large for fixed point");
        return -1;
    }
    *sum += fixed_point(value);
    return 0;
}

/* The fixed-point weight of the bigram (first word's record, second word) added to *sum
 * (nothing if it has none); -1 on error. */
static int
add_bigram_weight(PyObject *first_record, PyObject *second, i128 *sum)
{
    PyObject *following = PyTuple_GET_ITEM(first_record, 1);
    if (following == Py_None) {
        return 0;
    }
    if (!PyDict_CheckExact(following)) {
        PyErr_SetString(PyExc_TypeError, "_clogit: malformed bigram table");
        return -1;
    }
    PyObject *weight = PyDict_GetItemWithError(following, second);
    if (weight == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    return add_fixed_weight(weight, sum);
}

/* Whether `cue` (a str starting with "w:" or "b:") repeats a word or bigram feature: 1 yes,
 * 0 no, -1 error. */
static int
cue_is_feature(PyObject *cue, PyObject *records, const ptrset *words, const ptrset *pairs)
{
    Py_ssize_t length = PyUnicode_GET_LENGTH(cue);
    Py_UCS4 kind = PyUnicode_READ_CHAR(cue, 0);
    int result = 0;
    if (kind == 'w') {
        PyObject *word = PyUnicode_Substring(cue, 2, length);
        if (word == NULL) {
            return -1;
        }
        PyObject *record = record_of(records, word);
        Py_DECREF(word);
        if (record == NULL) {
            return PyErr_Occurred() ? -1 : 0;
        }
        return ptrset_has(words, record);
    }
    /* "b:first second" with one space: both words adjacent tokens in that order. */
    Py_ssize_t space = PyUnicode_FindChar(cue, ' ', 2, length, 1);
    if (space == -2) {
        return -1;
    }
    if (space < 0) {
        return 0;
    }
    Py_ssize_t again = PyUnicode_FindChar(cue, ' ', space + 1, length, 1);
    if (again == -2) {
        return -1;
    }
    if (again >= 0) {
        return 0;
    }
    PyObject *first = PyUnicode_Substring(cue, 2, space);
    if (first == NULL) {
        return -1;
    }
    PyObject *second = PyUnicode_Substring(cue, space + 1, length);
    if (second == NULL) {
        Py_DECREF(first);
        return -1;
    }
    PyObject *first_record = record_of(records, first);
    PyObject *second_record = first_record == NULL ? NULL : record_of(records, second);
    if (PyErr_Occurred()) {
        result = -1;
    }
    else if (first_record != NULL && second_record != NULL) {
        result = pairset_has(pairs, first_record, second_record);
    }
    Py_DECREF(first);
    Py_DECREF(second);
    return result;
}

/* Adds the fixed-point weights of the extra cues (`set(cues) - names`, less those already
 * word or bigram features) to the exact sum *weights and their number to *n_words. */
static int
add_cues(PyObject *cues, PyObject *names, PyObject *word_weights, PyObject *records,
         const ptrset *words, const ptrset *pairs, i128 *weights, Py_ssize_t *n_words)
{
    PyObject *given = PySet_New(cues);
    if (given == NULL) {
        return -1;
    }
    PyObject *extra = PyNumber_Subtract(given, names); /* set.difference, as in Python */
    Py_DECREF(given);
    if (extra == NULL) {
        return -1;
    }
    PyObject *iter = PyObject_GetIter(extra);
    Py_DECREF(extra);
    if (iter == NULL) {
        return -1;
    }
    PyObject *cue;
    while ((cue = PyIter_Next(iter)) != NULL) {
        if (!PyUnicode_Check(cue)) {
            PyErr_Format(PyExc_TypeError, "cues must be str, not %.100s", Py_TYPE(cue)->tp_name);
            goto error;
        }
        if (PyUnicode_GET_LENGTH(cue) >= 2 && PyUnicode_READ_CHAR(cue, 1) == ':'
            && (PyUnicode_READ_CHAR(cue, 0) == 'w' || PyUnicode_READ_CHAR(cue, 0) == 'b')) {
            int repeated = cue_is_feature(cue, records, words, pairs);
            if (repeated < 0) {
                goto error;
            }
            if (repeated) {
                Py_DECREF(cue);
                continue;
            }
        }
        PyObject *value = PyDict_GetItemWithError(word_weights, cue);
        if (value != NULL) {
            if (add_fixed_weight(value, weights) < 0) {
                goto error;
            }
        }
        else if (PyErr_Occurred()) {
            goto error;
        }
        *n_words += 1;
        Py_DECREF(cue);
    }
    Py_DECREF(iter);
    return PyErr_Occurred() ? -1 : 0;
error:
    Py_DECREF(cue);
    Py_DECREF(iter);
    return -1;
}

static PyObject *
clogit_logit(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "logit(tables, records, tokens, cues) takes 4 arguments");
        return NULL;
    }
    PyObject *tables = args[0], *records = args[1], *tokens = args[2], *cues = args[3];
    if (!PyTuple_CheckExact(tables) || PyTuple_GET_SIZE(tables) != 5 || !PyDict_CheckExact(records)) {
        PyErr_SetString(PyExc_TypeError, "_clogit.logit: bad tables or records");
        return NULL;
    }
    PyObject *bias_obj = PyTuple_GET_ITEM(tables, 0);
    PyObject *cue_weights = PyTuple_GET_ITEM(tables, 1);
    PyObject *cue_names = PyTuple_GET_ITEM(tables, 2);
    PyObject *no_cues = PyTuple_GET_ITEM(tables, 3);
    PyObject *word_weights = PyTuple_GET_ITEM(tables, 4);
    if (!PyFloat_CheckExact(bias_obj) || !PyBytes_CheckExact(cue_weights) || PyBytes_GET_SIZE(cue_weights) != 8 * 16
        || !PyTuple_CheckExact(cue_names) || PyTuple_GET_SIZE(cue_names) != 8
        || !PyAnySet_Check(no_cues) || (word_weights != Py_None && !PyDict_CheckExact(word_weights))) {
        PyErr_SetString(PyExc_TypeError, "_clogit.logit: malformed tables");
        return NULL;
    }
    if (word_weights == Py_None) { /* not a fixed-point model: the caller scores by features */
        Py_RETURN_NONE;
    }

    PyObject *seq = PySequence_Fast(tokens, "tokens must be a sequence");
    if (seq == NULL) {
        return NULL;
    }
    Py_ssize_t size = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);

    PyObject *result = NULL;
    PyObject *stack_words[STACK_SLOTS];
    PyObject *stack_pairs[2 * STACK_SLOTS];
    PyObject **heap = NULL;
    size_t capacity = 8;
    while (capacity < (size_t)size * 2) {
        capacity <<= 1;
    }
    ptrset words, pairs;
    if (capacity <= STACK_SLOTS) {
        memset(stack_words, 0, capacity * sizeof(PyObject *));
        memset(stack_pairs, 0, 2 * capacity * sizeof(PyObject *));
        words.slots = stack_words;
        pairs.slots = stack_pairs;
    }
    else {
        if (capacity > PY_SSIZE_T_MAX / (3 * sizeof(PyObject *))) {
            PyErr_NoMemory();
            goto done;
        }
        heap = PyMem_Calloc(3 * capacity, sizeof(PyObject *));
        if (heap == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        words.slots = heap;
        pairs.slots = heap + capacity;
    }
    words.mask = pairs.mask = capacity - 1;

    /* One pass: each distinct word's record fields once, each distinct pair's weight once
     * (unigram and bigram weights into one exact fixed-point sum). */
    u128 counts = 0;
    i128 weights = 0, chars = 0;
    Py_ssize_t n_distinct = 0, n_pairs = 0;
    PyObject *previous = NULL;
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *token = items[i];
        if (!PyUnicode_CheckExact(token)) {
            result = Py_NewRef(Py_NotImplemented);
            goto done;
        }
        PyObject *record = record_of(records, token);
        if (record == NULL) {
            if (!PyErr_Occurred()) {
                result = Py_NewRef(Py_None);
            }
            goto done;
        }
        if (ptrset_add(&words, record)) {
            const unsigned char *fields = (const unsigned char *)PyBytes_AS_STRING(PyTuple_GET_ITEM(record, 0));
            n_distinct++;
            counts += read_u64(fields);
            weights += read_i128(fields + 8);
            chars += read_i128(fields + 24);
        }
        if (previous != NULL && pairset_add(&pairs, previous, record)) {
            if (add_bigram_weight(previous, token, &weights) < 0) {
                goto done;
            }
            n_pairs++;
        }
        previous = record;
    }

    Py_ssize_t n_words = n_distinct + n_pairs;
    PyObject *names = no_cues;
    if (counts >= ((u128)1 << YOU_SHIFT)) {
        int index = ((counts >> YOU_SHIFT & CUE_COUNT_MASK) > 0) << 2
                    | ((counts >> PROFANE_SHIFT & CUE_COUNT_MASK) > 0) << 1
                    | ((counts >> INSULT_SHIFT) > 0);
        names = PyTuple_GET_ITEM(cue_names, index);
        if (!PyAnySet_Check(names)) {
            PyErr_SetString(PyExc_TypeError, "_clogit.logit: malformed cue table");
            goto done;
        }
        weights += read_i128((const unsigned char *)PyBytes_AS_STRING(cue_weights) + 16 * index);
        n_words += PySet_GET_SIZE(names);
    }
    int any_cues = PyObject_IsTrue(cues);
    if (any_cues < 0) {
        goto done;
    }
    if (any_cues
        && add_cues(cues, names, word_weights, records, &words, &pairs, &weights, &n_words) < 0) {
        goto done;
    }
    /* One correctly rounded conversion (the scaling by 2**-64 is exact), as Python's int / 2**64. */
    double weight = (double)weights * 0x1p-64;
    double total = PyFloat_AS_DOUBLE(bias_obj);
    if (n_words) {
        total += weight / sqrt((double)n_words);
    }
    u128 n_chars = counts & GRAM_COUNT_MASK;
    if (n_chars) {
        total += (double)chars * 0x1p-64 / sqrt((double)n_chars);
    }
    result = PyFloat_FromDouble(total);
done:
    PyMem_Free(heap);
    Py_DECREF(seq);
    return result;
}

static PyMethodDef clogit_methods[] = {
    {"logit", (PyCFunction)(void (*)(void))clogit_logit, METH_FASTCALL,
     "logit(tables, records, tokens, cues): a message's log-odds, None if a word lacks a record, "
     "NotImplemented if a token is not a str."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef clogit_module = {
    PyModuleDef_HEAD_INIT, "_clogit",
    "C scoring for bot.core.checks.classifier.LinearTextModel.logit (bit-exact with the Python path).",
    0, clogit_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__clogit(void)
{
    return PyModuleDef_Init(&clogit_module);
}

#else /* no 128-bit integers: the module refuses to load and the Python path is used */

static struct PyModuleDef clogit_module = {PyModuleDef_HEAD_INIT, "_clogit", NULL, -1, NULL};

PyMODINIT_FUNC
PyInit__clogit(void)
{
    PyErr_SetString(PyExc_ImportError, "_clogit needs a compiler with __int128");
    (void)clogit_module;
    return NULL;
}

#endif
