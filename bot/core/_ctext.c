/* Text helpers in C for the engine's hot paths, each equal to its pure-Python twin.
 *
 * `find_phrases(by_first, words)` is `bot.core.phrase_index.PhraseIndex.find`: every
 * (first word index, end word index, payload) of the indexed phrases in `words`, in order.
 *
 * `words(text)` is `bot.core.text.words_of` for an ASCII text (None for other text).
 *
 * Sentence splitting of plain ASCII text, equal to `bot.core.text.Document.sentences`:
 * `sentences(lower, total, sentence_type, max_words)` returns the same list of Sentence tuples
 * as the pure-Python code for an ASCII `lower`, or None when it leaves the work to Python:
 * non-ASCII text, a sentence longer than `max_words` words (cut into chunks there), or a word
 * count that disagrees with `total`.
 *
 * What the Python code does, restated for ASCII text:
 * - a sentence ends at a match of `[\n.!?](?:(?<=\n)\n*|[.!?]*(?=\s|$))`: a run of line
 *   breaks, or a whole run of . ! ? followed by whitespace or the end of the text (a shorter
 *   part of a run is followed by another mark, never by whitespace, so only whole runs match);
 * - words are `\w+(?:'\w+)*` matches: a word starts at a word character that does not follow
 *   another word character or an apostrophe joining it to one;
 * - a sentence holding no word is dropped; one that ends at a line break ends before it.
 *
 * The GIL is held throughout and nothing is shared between calls.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Python's `\w` and `\s` for ASCII characters (str patterns). */
static inline int is_word(Py_UCS1 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static inline int is_space(Py_UCS1 c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static inline int is_mark(Py_UCS1 c) { return c == '.' || c == '!' || c == '?'; }

/* Append Sentence(start, end, first, last) to `out`; -1 on error. */
static int append_sentence(PyObject *out, PyTypeObject *type, Py_ssize_t start, Py_ssize_t end,
                           Py_ssize_t first, Py_ssize_t last) {
    PyObject *sentence = type->tp_alloc(type, 4);
    if (sentence == NULL) {
        return -1;
    }
    Py_ssize_t values[4] = {start, end, first, last};
    for (int k = 0; k < 4; k++) {
        PyObject *number = PyLong_FromSsize_t(values[k]);
        if (number == NULL) {
            Py_DECREF(sentence);
            return -1;
        }
        PyTuple_SET_ITEM(sentence, k, number);
    }
    int failed = PyList_Append(out, sentence);
    Py_DECREF(sentence);
    return failed;
}

static PyObject *sentences(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "sentences(lower, total, sentence_type, max_words)");
        return NULL;
    }
    PyObject *lower = args[0];
    if (!PyUnicode_Check(lower) || !PyType_Check(args[2]) ||
        !PyType_IsSubtype((PyTypeObject *)args[2], &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "sentences() takes a str and a tuple subclass");
        return NULL;
    }
    Py_ssize_t total = PyLong_AsSsize_t(args[1]);
    Py_ssize_t max_words = PyLong_AsSsize_t(args[3]);
    if ((total == -1 || max_words == -1) && PyErr_Occurred()) {
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(lower)) {
        Py_RETURN_NONE;
    }
    PyTypeObject *type = (PyTypeObject *)args[2];
    const Py_UCS1 *text = PyUnicode_1BYTE_DATA(lower);
    Py_ssize_t n = PyUnicode_GET_LENGTH(lower);
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t pos = 0;   /* where the current sentence starts */
    Py_ssize_t seen = 0;  /* words in the sentences before it */
    Py_ssize_t count = 0; /* words started since `pos` */
    Py_ssize_t i = 0;
    while (i < n) {
        Py_UCS1 c = text[i];
        if (is_word(c)) {
            if (i == 0 || (!is_word(text[i - 1]) &&
                           !(text[i - 1] == '\'' && i >= 2 && is_word(text[i - 2])))) {
                count++;
            }
            i++;
            continue;
        }
        Py_ssize_t body_end = i, mark_end;
        if (c == '\n') {
            mark_end = i + 1;
            while (mark_end < n && text[mark_end] == '\n') {
                mark_end++;
            }
        } else if (is_mark(c)) {
            mark_end = i + 1;
            while (mark_end < n && is_mark(text[mark_end])) {
                mark_end++;
            }
            if (mark_end < n && !is_space(text[mark_end])) {
                i = mark_end; /* no sentence end in this run; none of it is a word character */
                continue;
            }
        } else {
            i++;
            continue;
        }
        if (count) {
            if (count > max_words) {
                goto leave_to_python;
            }
            Py_ssize_t end = text[body_end] == '\n' ? body_end : mark_end;
            if (append_sentence(out, type, pos, end, seen, seen + count) < 0) {
                goto error;
            }
            seen += count;
            count = 0;
        }
        pos = mark_end;
        i = mark_end;
    }
    if (seen + count != total || count > max_words) {
        goto leave_to_python;
    }
    if (count && append_sentence(out, type, pos, n, seen, seen + count) < 0) {
        goto error;
    }
    return out;
leave_to_python:
    Py_DECREF(out);
    Py_RETURN_NONE;
error:
    Py_DECREF(out);
    return NULL;
}

/* find_phrases(by_first: dict[str, list[tuple[tuple[str, ...], object]]], words: list[str]) */
static PyObject *find_phrases(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (nargs != 2 || !PyDict_CheckExact(args[0]) || !PyList_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "find_phrases(by_first: dict, words: list)");
        return NULL;
    }
    PyObject *by_first = args[0], *words = args[1];
    PyObject *found = PyList_New(0);
    if (found == NULL) {
        return NULL;
    }
    /* Only exact str words and phrase words: then no Python code runs here (str hashing and
     * comparison are C), so the lists cannot change under us. */
    Py_ssize_t n = PyList_GET_SIZE(words);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!PyUnicode_CheckExact(PyList_GET_ITEM(words, i))) {
            PyErr_SetString(PyExc_TypeError, "find_phrases: words must be str");
            goto error;
        }
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *candidates = PyDict_GetItemWithError(by_first, PyList_GET_ITEM(words, i));
        if (candidates == NULL) {
            if (PyErr_Occurred()) {
                goto error;
            }
            continue;
        }
        if (!PyList_CheckExact(candidates)) {
            PyErr_SetString(PyExc_TypeError, "find_phrases: candidates must be lists");
            goto error;
        }
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(candidates); k++) {
            PyObject *entry = PyList_GET_ITEM(candidates, k);
            if (!PyTuple_CheckExact(entry) || PyTuple_GET_SIZE(entry) != 2 ||
                !PyTuple_CheckExact(PyTuple_GET_ITEM(entry, 0))) {
                PyErr_SetString(PyExc_TypeError, "find_phrases: entries are (phrase, payload)");
                goto error;
            }
            PyObject *phrase = PyTuple_GET_ITEM(entry, 0);
            Py_ssize_t size = PyTuple_GET_SIZE(phrase);
            Py_ssize_t end = i + size;
            if (size < 1 || end > n) {
                continue;
            }
            int match = 1;
            for (Py_ssize_t j = 1; j < size && match; j++) {
                PyObject *want = PyTuple_GET_ITEM(phrase, j);
                if (!PyUnicode_CheckExact(want)) {
                    PyErr_SetString(PyExc_TypeError, "find_phrases: phrase words must be str");
                    goto error;
                }
                match = PyUnicode_Compare(PyList_GET_ITEM(words, i + j), want) == 0;
            }
            if (!match) {
                continue;
            }
            PyObject *hit = Py_BuildValue("(nnO)", i, end, PyTuple_GET_ITEM(entry, 1));
            if (hit == NULL) {
                goto error;
            }
            int failed = PyList_Append(found, hit);
            Py_DECREF(hit);
            if (failed) {
                goto error;
            }
        }
    }
    return found;
error:
    Py_DECREF(found);
    return NULL;
}

/* `words(text)`: the `\w+(?:'\w+)*` matches of an ASCII str, as a list of str (what
 * `bot.core.text.words_of` returns for it), or None for non-ASCII text. A word starts at a word
 * character and runs over word characters and every apostrophe that has a word character on
 * both sides. */
static PyObject *words(PyObject *module, PyObject *text) {
    (void)module;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "words() takes a str");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(text)) {
        Py_RETURN_NONE;
    }
    const Py_UCS1 *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    if (out == NULL) {
        return NULL;
    }
    Py_ssize_t i = 0;
    while (i < n) {
        while (i < n && !is_word(s[i])) {
            i++;
        }
        if (i >= n) {
            break;
        }
        Py_ssize_t start = i;
        for (;;) {
            while (i < n && is_word(s[i])) {
                i++;
            }
            if (i + 1 < n && s[i] == '\'' && is_word(s[i + 1])) {
                i++;
                continue;
            }
            break;
        }
        PyObject *word = PyUnicode_New(i - start, 127);
        if (word == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        memcpy(PyUnicode_1BYTE_DATA(word), s + start, (size_t)(i - start));
        int failed = PyList_Append(out, word);
        Py_DECREF(word);
        if (failed) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

static PyMethodDef methods[] = {
    {"words", (PyCFunction)words, METH_O,
     "The words (\\w+(?:'\\w+)*) of an ASCII str as a list, or None for other text."},
    {"find_phrases", (PyCFunction)(void (*)(void))find_phrases, METH_FASTCALL,
     "(first, end, payload) of every indexed phrase in a word list, in order."},
    {"sentences", (PyCFunction)(void (*)(void))sentences, METH_FASTCALL,
     "Sentences of an ASCII lower-cased text as Sentence tuples, or None (see the module)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_ctext", "Phrase look-up, words and sentence splitting in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__ctext(void) { return PyModule_Create(&module); }
