/* VADER's compound score (vaderSentiment 3.3.2) for ASCII texts, bit for bit.
 *
 * `configure(lexicon, boosters, negate, special_cases, c_incr, n_scalar)` builds one immutable
 * hash table of ASCII keys from vaderSentiment's own tables; `compound(text)` returns the
 * compound score of an ASCII `text` (None for any other text: the caller uses Python).
 * Mirrors bot/core/vader.py (which documents each quirk): every float operation is done in the
 * order VADER does it. The GIL is held throughout; the only state is the module state, set by
 * `configure` and never changed while a call runs.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>

/* ---------------------------------------------------------------- tables */

typedef struct {
    char *key; /* NULL: empty slot */
    Py_ssize_t len;
    uint64_t hash;
    double lex, boost, special;
    unsigned char has_lex, has_boost, has_special, special_int, negate, phrase_part;
} Entry;

/* Open addressing over compact slots (a hash tag and an entry number, 0 for empty) that stay in
 * cache; the entries are only read for a tag match. */
typedef struct {
    uint32_t tag, index;
} Slot;

typedef struct {
    Slot *slots;
    size_t mask;
    Entry *entries;
    size_t used, capacity;
    double c_incr, n_scalar;
} Tables;

typedef struct {
    Tables *tables;       /* NULL until configure */
    PyObject *round_name; /* "__round__" */
    PyObject *four;       /* 4 */
    PyObject *sum;        /* builtins.sum */
} State;

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static inline uint64_t fnv_feed(uint64_t h, const char *s, Py_ssize_t n) {
    for (Py_ssize_t k = 0; k < n; k++) {
        h ^= (unsigned char)s[k];
        h *= FNV_PRIME;
    }
    return h;
}

static void tables_free(Tables *t) {
    if (t == NULL) return;
    if (t->entries != NULL) {
        for (size_t k = 0; k < t->used; k++) PyMem_Free(t->entries[k].key);
        PyMem_Free(t->entries);
    }
    PyMem_Free(t->slots);
    PyMem_Free(t);
}

/* The entry of `key` (created when `create`), or NULL. */
static Entry *table_slot(Tables *t, const char *key, Py_ssize_t len, int create) {
    uint64_t h = fnv_feed(FNV_OFFSET, key, len);
    size_t k = (size_t)h & t->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        Slot *slot = &t->slots[k];
        if (slot->index == 0) {
            if (!create) return NULL;
            if (t->used == t->capacity) {
                PyErr_SetString(PyExc_RuntimeError, "_cvader: table capacity exceeded");
                return NULL;
            }
            Entry *e = &t->entries[t->used];
            e->key = PyMem_Malloc((size_t)len + 1);
            if (e->key == NULL) {
                PyErr_NoMemory();
                return NULL;
            }
            memcpy(e->key, key, (size_t)len);
            e->key[len] = '\0';
            e->len = len;
            e->hash = h;
            t->used++;
            slot->tag = tag;
            slot->index = (uint32_t)t->used;
            return e;
        }
        Entry *e = &t->entries[slot->index - 1];
        if (slot->tag == tag && e->len == len && memcmp(e->key, key, (size_t)len) == 0) return e;
        k = (k + 1) & t->mask;
    }
}

/* Lookup of the words joined by single spaces (VADER's "{0} {1}" phrases). */
static const Entry *phrase_lookup(const Tables *t, const char *const *words,
                                  const Py_ssize_t *lens, int count) {
    uint64_t h = FNV_OFFSET;
    Py_ssize_t total = count - 1;
    for (int w = 0; w < count; w++) {
        if (w) h = fnv_feed(h, " ", 1);
        h = fnv_feed(h, words[w], lens[w]);
        total += lens[w];
    }
    size_t k = (size_t)h & t->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        const Slot *slot = &t->slots[k];
        if (slot->index == 0) return NULL;
        const Entry *e = &t->entries[slot->index - 1];
        if (slot->tag == tag && e->len == total) {
            const char *p = e->key;
            int same = 1;
            for (int w = 0; w < count && same; w++) {
                if (w) {
                    if (*p != ' ') same = 0;
                    p++;
                }
                if (same && memcmp(p, words[w], (size_t)lens[w]) != 0) same = 0;
                p += lens[w];
            }
            if (same) return e;
        }
        k = (k + 1) & t->mask;
    }
}

static const Entry *word_lookup(const Tables *t, const char *s, Py_ssize_t n) {
    uint64_t h = fnv_feed(FNV_OFFSET, s, n);
    size_t k = (size_t)h & t->mask;
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        const Slot *slot = &t->slots[k];
        if (slot->index == 0) return NULL;
        if (slot->tag == tag) {
            const Entry *e = &t->entries[slot->index - 1];
            if (e->len == n && memcmp(e->key, s, (size_t)n) == 0) return e;
        }
        k = (k + 1) & t->mask;
    }
}

/* The ASCII UTF-8 of a str key, or NULL (non-ASCII keys can never match ASCII text). */
static const char *ascii_key(PyObject *key, Py_ssize_t *len) {
    if (!PyUnicode_Check(key)) {
        PyErr_SetString(PyExc_TypeError, "_cvader: table keys must be str");
        *len = 0;
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(key)) {
        *len = -1;
        return NULL;
    }
    *len = PyUnicode_GET_LENGTH(key);
    return (const char *)PyUnicode_DATA(key);
}

static int exact_float(PyObject *value, double *out) {
    if (!PyFloat_CheckExact(value)) {
        PyErr_SetString(PyExc_TypeError, "_cvader: lexicon and booster values must be floats");
        return -1;
    }
    *out = PyFloat_AS_DOUBLE(value);
    return 0;
}

/* Mark each space-separated word of a multi-word key as a phrase part. */
static int mark_phrase_parts(Tables *t, const char *key, Py_ssize_t len) {
    if (memchr(key, ' ', (size_t)len) == NULL) return 0;
    Py_ssize_t start = 0;
    for (Py_ssize_t k = 0; k <= len; k++) {
        if (k == len || key[k] == ' ') {
            Entry *e = table_slot(t, key + start, k - start, 1);
            if (e == NULL) return -1;
            e->phrase_part = 1;
            start = k + 1;
        }
    }
    return 0;
}

static PyObject *configure(PyObject *module, PyObject *args) {
    PyObject *lexicon, *boosters, *negate, *special;
    double c_incr, n_scalar;
    if (!PyArg_ParseTuple(args, "O!O!OO!dd:configure", &PyDict_Type, &lexicon, &PyDict_Type,
                          &boosters, &negate, &PyDict_Type, &special, &c_incr, &n_scalar))
        return NULL;
    PyObject *negate_list = PySequence_List(negate);
    if (negate_list == NULL) return NULL;

    /* At most one entry per key, plus one per word of each multi-word key. */
    Py_ssize_t count = PyDict_GET_SIZE(lexicon) + PyDict_GET_SIZE(boosters) +
                       PyList_GET_SIZE(negate_list) + PyDict_GET_SIZE(special);
    PyObject *phrase_tables[2] = {boosters, special};
    for (int k = 0; k < 2; k++) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(phrase_tables[k], &pos, &key, &value)) {
            if (!PyUnicode_Check(key) || !PyUnicode_IS_ASCII(key)) continue;
            const char *p = (const char *)PyUnicode_DATA(key);
            Py_ssize_t n = PyUnicode_GET_LENGTH(key), spaces = 0;
            for (Py_ssize_t j = 0; j < n; j++) spaces += p[j] == ' ';
            if (spaces) count += spaces + 1;
        }
    }
    size_t size = 64;
    while (size < (size_t)count * 3) size <<= 1;

    Tables *t = PyMem_Calloc(1, sizeof(Tables));
    if (t == NULL) {
        Py_DECREF(negate_list);
        return PyErr_NoMemory();
    }
    t->slots = PyMem_Calloc(size, sizeof(Slot));
    t->entries = PyMem_Calloc((size_t)count + 1, sizeof(Entry));
    if (t->slots == NULL || t->entries == NULL) {
        tables_free(t);
        Py_DECREF(negate_list);
        return PyErr_NoMemory();
    }
    t->mask = size - 1;
    t->capacity = (size_t)count + 1;
    t->c_incr = c_incr;
    t->n_scalar = n_scalar;

    Py_ssize_t pos = 0, len;
    PyObject *key, *value;
    const char *s;
    Entry *e;
    double d;
    while (PyDict_Next(lexicon, &pos, &key, &value)) {
        if ((s = ascii_key(key, &len)) == NULL) {
            if (len < 0 && !PyErr_Occurred()) continue;
            goto fail;
        }
        if (exact_float(value, &d) < 0 || (e = table_slot(t, s, len, 1)) == NULL) goto fail;
        e->has_lex = 1;
        e->lex = d;
    }
    pos = 0;
    while (PyDict_Next(boosters, &pos, &key, &value)) {
        if ((s = ascii_key(key, &len)) == NULL) {
            if (len < 0 && !PyErr_Occurred()) continue;
            goto fail;
        }
        if (exact_float(value, &d) < 0 || (e = table_slot(t, s, len, 1)) == NULL) goto fail;
        e->has_boost = 1;
        e->boost = d;
        if (mark_phrase_parts(t, s, len) < 0) goto fail;
    }
    pos = 0;
    while (PyDict_Next(special, &pos, &key, &value)) {
        if ((s = ascii_key(key, &len)) == NULL) {
            if (len < 0 && !PyErr_Occurred()) continue;
            goto fail;
        }
        int is_int = 0;
        if (PyFloat_CheckExact(value)) {
            d = PyFloat_AS_DOUBLE(value);
        } else if (PyLong_CheckExact(value)) {
            long v = PyLong_AsLong(value);
            if (v == -1 && PyErr_Occurred()) goto fail;
            if (v > (1L << 52) || v < -(1L << 52)) {
                PyErr_SetString(PyExc_ValueError, "_cvader: special case value too large");
                goto fail;
            }
            d = (double)v;
            is_int = 1;
        } else {
            PyErr_SetString(PyExc_TypeError, "_cvader: special case values must be float or int");
            goto fail;
        }
        if ((e = table_slot(t, s, len, 1)) == NULL) goto fail;
        e->has_special = 1;
        e->special = d;
        e->special_int = (unsigned char)is_int;
        if (mark_phrase_parts(t, s, len) < 0) goto fail;
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(negate_list); k++) {
        if ((s = ascii_key(PyList_GET_ITEM(negate_list, k), &len)) == NULL) {
            if (len < 0 && !PyErr_Occurred()) continue;
            goto fail;
        }
        if ((e = table_slot(t, s, len, 1)) == NULL) goto fail;
        e->negate = 1;
    }
    Py_DECREF(negate_list);

    State *st = PyModule_GetState(module);
    Tables *old = st->tables;
    st->tables = t;
    tables_free(old);
    Py_RETURN_NONE;
fail:
    Py_DECREF(negate_list);
    tables_free(t);
    return NULL;
}

/* ---------------------------------------------------------------- scoring */

typedef struct {
    const char *low; /* lower-cased word */
    Py_ssize_t len;
    const Entry *e;  /* table entry or NULL */
    unsigned char upper;  /* str.isupper() of the word */
    unsigned char is_int; /* its sentiment is a Python int (a SPECIAL_CASES int value) */
    double sentiment;
} Word;

static inline int is_space(unsigned char c) {
    return c == ' ' || (c >= 9 && c <= 13) || (c >= 28 && c <= 31);
}

static inline int is_punct(unsigned char c) {
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
}

static inline int word_is(const Word *w, const char *s, Py_ssize_t n) {
    return w->len == n && memcmp(w->low, s, (size_t)n) == 0;
}
#define IS(w, lit) word_is((w), (lit), (Py_ssize_t)(sizeof(lit) - 1))

static inline int in_lexicon(const Word *w) { return w->e != NULL && w->e->has_lex; }

/* VADER's negated([word]) on a lower-cased ASCII word. */
static int negated(const Word *w) {
    if (w->e != NULL && w->e->negate) return 1;
    for (Py_ssize_t k = 0; k + 2 < w->len; k++)
        if (w->low[k] == 'n' && w->low[k + 1] == '\'' && w->low[k + 2] == 't') return 1;
    return 0;
}

static inline int phrase_part(const Word *w) { return w->e != NULL && w->e->phrase_part; }

/* VADER's _special_idioms_check (i >= 3). *is_int tracks whether the result is a Python int. */
static double special_idioms(const Tables *t, const Word *words, Py_ssize_t n, Py_ssize_t i,
                             double valence, unsigned char *is_int) {
    const Word *w3 = &words[i - 3], *w2 = &words[i - 2], *w1 = &words[i - 1], *w0 = &words[i];
    const char *ws[3];
    Py_ssize_t ls[3];
    const Entry *e;
#define PHRASE2(a, b) (phrase_part(a) && phrase_part(b) ? (ws[0] = (a)->low, ls[0] = (a)->len, \
    ws[1] = (b)->low, ls[1] = (b)->len, phrase_lookup(t, ws, ls, 2)) : NULL)
#define PHRASE3(a, b, c) (phrase_part(a) && phrase_part(b) && phrase_part(c) ? \
    (ws[0] = (a)->low, ls[0] = (a)->len, ws[1] = (b)->low, ls[1] = (b)->len, \
     ws[2] = (c)->low, ls[2] = (c)->len, phrase_lookup(t, ws, ls, 3)) : NULL)
    const Entry *seqs[5];
    seqs[0] = PHRASE2(w1, w0);     /* onezero */
    seqs[1] = PHRASE3(w2, w1, w0); /* twoonezero */
    seqs[2] = PHRASE2(w2, w1);     /* twoone */
    seqs[3] = PHRASE3(w3, w2, w1); /* threetwoone */
    seqs[4] = PHRASE2(w3, w2);     /* threetwo */
    for (int k = 0; k < 5; k++) {
        if (seqs[k] != NULL && seqs[k]->has_special) {
            valence = seqs[k]->special;
            *is_int = seqs[k]->special_int;
            break;
        }
    }
    if (n - 1 > i) {
        e = PHRASE2(w0, &words[i + 1]); /* zeroone */
        if (e != NULL && e->has_special) {
            valence = e->special;
            *is_int = e->special_int;
        }
    }
    if (n - 1 > i + 1) {
        e = PHRASE3(w0, &words[i + 1], &words[i + 2]); /* zeroonetwo */
        if (e != NULL && e->has_special) {
            valence = e->special;
            *is_int = e->special_int;
        }
    }
    const Entry *grams[3] = {seqs[3], seqs[4], seqs[2]}; /* threetwoone, threetwo, twoone */
    for (int k = 0; k < 3; k++) {
        if (grams[k] != NULL && grams[k]->has_boost) {
            valence = valence + grams[k]->boost;
            *is_int = 0;
        }
    }
#undef PHRASE2
#undef PHRASE3
    return valence;
}

/* VADER's _negation_check. */
static double negation_check(const Tables *t, const Word *words, int start_i, Py_ssize_t i,
                             double valence, unsigned char *is_int) {
    if (start_i == 0) {
        if (negated(&words[i - 1])) {
            valence = valence * t->n_scalar;
            *is_int = 0;
        }
    } else if (start_i == 1) {
        const Word *w2 = &words[i - 2], *w1 = &words[i - 1];
        if (IS(w2, "never") && (IS(w1, "so") || IS(w1, "this"))) {
            valence = valence * 1.25;
            *is_int = 0;
        } else if (IS(w2, "without") && IS(w1, "doubt")) {
            /* unchanged */
        } else if (negated(w2)) {
            valence = valence * t->n_scalar;
            *is_int = 0;
        }
    } else {
        const Word *w3 = &words[i - 3], *w2 = &words[i - 2], *w1 = &words[i - 1];
        if ((IS(w3, "never") && (IS(w2, "so") || IS(w2, "this"))) || IS(w1, "so") ||
            IS(w1, "this")) {
            valence = valence * 1.25;
            *is_int = 0;
        } else if (IS(w3, "without") && (IS(w2, "doubt") || IS(w1, "doubt"))) {
            /* unchanged */
        } else if (negated(w3)) {
            valence = valence * t->n_scalar;
            *is_int = 0;
        }
    }
    return valence;
}

/* VADER's sentiment_valence (and _least_check) for the lexicon word at i. */
static double sentiment_valence(const Tables *t, const Word *words, Py_ssize_t n, Py_ssize_t i,
                                int cap_diff, unsigned char *is_int) {
    const Word *w = &words[i];
    double lex = w->e->lex;
    double valence = lex;
    *is_int = 0;
    if (IS(w, "no") && i != n - 1 && in_lexicon(&words[i + 1])) valence = 0.0;
    if ((i > 0 && IS(&words[i - 1], "no")) || (i > 1 && IS(&words[i - 2], "no")) ||
        (i > 2 && IS(&words[i - 3], "no") && (IS(&words[i - 1], "or") || IS(&words[i - 1], "nor"))))
        valence = lex * t->n_scalar;
    if (w->upper && cap_diff) {
        if (valence > 0)
            valence += t->c_incr;
        else
            valence -= t->c_incr;
    }
    for (int start_i = 0; start_i < 3; start_i++) {
        if (!(i > start_i)) break;
        const Word *b = &words[i - (start_i + 1)];
        if (in_lexicon(b)) continue;
        double s = 0.0;
        if (b->e != NULL && b->e->has_boost) {
            s = b->e->boost;
            if (valence < 0) s *= -1;
            if (b->upper && cap_diff) {
                if (valence > 0)
                    s += t->c_incr;
                else
                    s -= t->c_incr;
            }
        }
        if (start_i == 1 && s != 0) s = s * 0.95;
        if (start_i == 2 && s != 0) s = s * 0.9;
        valence = valence + s;
        *is_int = 0;
        valence = negation_check(t, words, start_i, i, valence, is_int);
        if (start_i == 2) valence = special_idioms(t, words, n, i, valence, is_int);
    }
    /* _least_check ("least" must not be a lexicon word) */
    if (i > 1 && !in_lexicon(&words[i - 1]) && IS(&words[i - 1], "least")) {
        if (!IS(&words[i - 2], "at") && !IS(&words[i - 2], "very")) {
            valence = valence * t->n_scalar;
            *is_int = 0;
        }
    } else if (i > 0 && !in_lexicon(&words[i - 1]) && IS(&words[i - 1], "least")) {
        valence = valence * t->n_scalar;
        *is_int = 0;
    }
    return valence;
}

/* float(sum(sentiments)) as the running Python does it; the zeros add nothing. */
static int sum_sentiments(const State *st, const Word *words, Py_ssize_t n, double *out) {
    Py_ssize_t nonzero = 0;
    for (Py_ssize_t k = 0; k < n; k++)
        if (words[k].sentiment != 0) nonzero++;
#if PY_VERSION_HEX >= 0x030C0000 || defined(CVADER_BUILTIN_SUM)
    if (nonzero >= 3) {
        /* 3.12+ sums floats with compensation (ints without): let the builtin do it. */
        PyObject *list = PyList_New(nonzero);
        if (list == NULL) return -1;
        Py_ssize_t at = 0;
        for (Py_ssize_t k = 0; k < n; k++) {
            if (words[k].sentiment == 0) continue;
            PyObject *item = words[k].is_int ? PyLong_FromDouble(words[k].sentiment)
                                             : PyFloat_FromDouble(words[k].sentiment);
            if (item == NULL) {
                Py_DECREF(list);
                return -1;
            }
            PyList_SET_ITEM(list, at++, item);
        }
        PyObject *total = PyObject_CallOneArg(st->sum, list);
        Py_DECREF(list);
        if (total == NULL) return -1;
        double d = PyFloat_AsDouble(total);
        Py_DECREF(total);
        if (d == -1.0 && PyErr_Occurred()) return -1;
        *out = d;
        return 0;
    }
#endif
    (void)st;
    double total = 0.0;
    for (Py_ssize_t k = 0; k < n; k++)
        if (words[k].sentiment != 0) total += words[k].sentiment;
    *out = total;
    return 0;
}

/* VADER's _but_check, with its list.index quirk (zeros never change, so they are skipped). */
static int but_check(Word *words, Py_ssize_t n, Py_ssize_t bi) {
    Py_ssize_t m = 0;
    for (Py_ssize_t k = 0; k < n; k++)
        if (words[k].sentiment != 0) m++;
    if (m == 0) return 0;
    Py_ssize_t *idx = PyMem_Malloc((size_t)m * sizeof(Py_ssize_t));
    if (idx == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    m = 0;
    for (Py_ssize_t k = 0; k < n; k++)
        if (words[k].sentiment != 0) idx[m++] = k;
    for (Py_ssize_t k = 0; k < m; k++) {
        double v = words[idx[k]].sentiment;
        Py_ssize_t first = 0;
        while (words[idx[first]].sentiment != v) first++;
        Py_ssize_t si = idx[first];
        if (si < bi) {
            words[si].sentiment = v * 0.5;
            words[si].is_int = 0;
        } else if (si > bi) {
            words[si].sentiment = v * 1.5;
            words[si].is_int = 0;
        }
    }
    PyMem_Free(idx);
    return 0;
}

#define SMALL 256

static PyObject *score(const State *st, const Tables *t, const char *text, Py_ssize_t n) {
    char small_low[SMALL];
    Word small_words[SMALL / 2 + 1];
    char *low = small_low;
    Word *words = small_words;
    PyObject *result = NULL;
    if (n > SMALL) {
        low = PyMem_Malloc((size_t)n);
        words = PyMem_Malloc(((size_t)n / 2 + 1) * sizeof(Word));
        if (low == NULL || words == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }

    Py_ssize_t exclamations = 0, questions = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)text[k];
        low[k] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
        if (c == '!') exclamations++;
        else if (c == '?') questions++;
    }

    /* VADER's words: str.split() tokens, punctuation stripped unless that leaves <= 2 chars */
    Py_ssize_t count = 0, upper_words = 0, k = 0;
    const Tables *tt = t;
    while (k < n) {
        while (k < n && is_space((unsigned char)text[k])) k++;
        if (k >= n) break;
        Py_ssize_t start = k;
        while (k < n && !is_space((unsigned char)text[k])) k++;
        Py_ssize_t a = start, b = k;
        while (a < b && is_punct((unsigned char)text[a])) a++;
        while (b > a && is_punct((unsigned char)text[b - 1])) b--;
        if (b - a <= 2) {
            a = start;
            b = k;
        }
        Word *w = &words[count++];
        w->low = low + a;
        w->len = b - a;
        w->e = word_lookup(tt, low + a, b - a);
        int has_upper = 0, has_lower = 0;
        for (Py_ssize_t j = a; j < b; j++) {
            unsigned char c = (unsigned char)text[j];
            if (c >= 'A' && c <= 'Z') has_upper = 1;
            else if (c >= 'a' && c <= 'z') has_lower = 1;
        }
        w->upper = (unsigned char)(has_upper && !has_lower);
        upper_words += w->upper;
        w->is_int = 0;
        w->sentiment = 0.0;
    }
    int cap_diff = upper_words > 0 && upper_words < count;

    Py_ssize_t bi = -1;
    for (Py_ssize_t i = 0; i < count; i++) {
        Word *w = &words[i];
        if (bi < 0 && IS(w, "but")) bi = i;
        if (w->e == NULL) continue;
        if (w->e->has_boost) continue;
        if (i < count - 1 && IS(w, "kind") && IS(&words[i + 1], "of")) continue;
        if (!w->e->has_lex) continue;
        w->sentiment = sentiment_valence(t, words, count, i, cap_diff, &w->is_int);
    }
    if (bi >= 0 && but_check(words, count, bi) < 0) goto done;

    double total;
    if (count == 0) {
        total = 0.0;
    } else {
        if (sum_sentiments(st, words, count, &total) < 0) goto done;
        /* punctuation emphasis */
        Py_ssize_t ep = exclamations > 4 ? 4 : exclamations;
        double emphasis = (double)ep * 0.292;
        if (questions > 1) emphasis = emphasis + (questions <= 3 ? (double)questions * 0.18 : 0.96);
        else emphasis = emphasis + 0.0;
        if (total > 0)
            total += emphasis;
        else if (total < 0)
            total -= emphasis;
        /* normalize, alpha 15 */
        total = total / sqrt((total * total) + 15);
        if (total < -1.0) total = -1.0;
        else if (total > 1.0) total = 1.0;
    }
    if (total == 0.0 && !signbit(total)) {
        result = PyFloat_FromDouble(0.0); /* round(0.0, 4) is 0.0 (most texts) */
        goto done;
    }
    PyObject *f = PyFloat_FromDouble(total);
    if (f == NULL) goto done;
    PyObject *callargs[2] = {f, st->four};
    result = PyObject_VectorcallMethod(st->round_name, callargs,
                                       2, NULL);
    Py_DECREF(f);
done:
    if (low != small_low) PyMem_Free(low);
    if (words != small_words) PyMem_Free(words);
    return result;
}

static PyObject *compound(PyObject *module, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "compound() argument must be str");
        return NULL;
    }
    if (!PyUnicode_IS_ASCII(text)) Py_RETURN_NONE;
    const State *st = PyModule_GetState(module);
    if (st->tables == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_cvader.configure() has not been called");
        return NULL;
    }
    return score(st, st->tables, (const char *)PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text));
}

/* sentence_scores(text, spans): for each span (a tuple whose first two items are its start
   and end in `text`), in order, (span, score) for every span whose compound score is not 0.
   None when `text` is not ASCII (the caller then scores in Python). */
static PyObject *sentence_scores(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 2 || !PyUnicode_Check(args[0]) || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "sentence_scores(text: str, spans: list)");
        return NULL;
    }
    PyObject *text = args[0];
    PyObject *spans = args[1];
    if (!PyUnicode_IS_ASCII(text)) Py_RETURN_NONE;
    const State *st = PyModule_GetState(module);
    if (st->tables == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "_cvader.configure() has not been called");
        return NULL;
    }
    const char *data = (const char *)PyUnicode_DATA(text);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(spans); i++) {
        PyObject *span = PyList_GET_ITEM(spans, i);
        if (!PyTuple_Check(span) || PyTuple_GET_SIZE(span) < 2) {
            PyErr_SetString(PyExc_TypeError, "each span must be a tuple (start, end, ...)");
            goto fail;
        }
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 0));
        if (start == -1 && PyErr_Occurred()) goto fail;
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(span, 1));
        if (end == -1 && PyErr_Occurred()) goto fail;
        if (start < 0 || end < start || end > length) {
            PyErr_SetString(PyExc_ValueError, "span outside the text");
            goto fail;
        }
        PyObject *value = score(st, st->tables, data + start, end - start);
        if (value == NULL) goto fail;
        int nonzero = PyObject_IsTrue(value);
        if (nonzero < 0) {
            Py_DECREF(value);
            goto fail;
        }
        if (nonzero) {
            PyObject *pair = PyTuple_Pack(2, span, value);
            if (pair == NULL || PyList_Append(out, pair) < 0) {
                Py_XDECREF(pair);
                Py_DECREF(value);
                goto fail;
            }
            Py_DECREF(pair);
        }
        Py_DECREF(value);
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* ---------------------------------------------------------------- module */

static PyMethodDef methods[] = {
    {"configure", configure, METH_VARARGS,
     "configure(lexicon, boosters, negate, special_cases, c_incr, n_scalar): build the tables."},
    {"compound", compound, METH_O,
     "compound(text): VADER's compound score of an ASCII text, or None for other texts."},
    {"sentence_scores", (PyCFunction)(void (*)(void))sentence_scores, METH_FASTCALL,
     "sentence_scores(text, spans): (span, score) for each span of an ASCII text that scores "
     "non-zero, or None for other texts."},
    {NULL, NULL, 0, NULL},
};

static int module_traverse(PyObject *module, visitproc visit, void *arg) {
    State *st = PyModule_GetState(module);
    Py_VISIT(st->round_name);
    Py_VISIT(st->four);
    Py_VISIT(st->sum);
    return 0;
}

static int module_clear(PyObject *module) {
    State *st = PyModule_GetState(module);
    Py_CLEAR(st->round_name);
    Py_CLEAR(st->four);
    Py_CLEAR(st->sum);
    return 0;
}

static void module_free(void *module) {
    module_clear((PyObject *)module);
    State *st = PyModule_GetState((PyObject *)module);
    tables_free(st->tables);
    st->tables = NULL;
}

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_cvader",
    "VADER's compound score for ASCII texts, bit for bit (see bot.core.vader).",
    sizeof(State), methods, NULL, module_traverse, module_clear, module_free,
};

PyMODINIT_FUNC PyInit__cvader(void) {
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
    State *st = PyModule_GetState(module);
    st->tables = NULL;
    st->round_name = PyUnicode_InternFromString("__round__");
    st->four = PyLong_FromLong(4);
    PyObject *builtins = PyImport_ImportModule("builtins");
    if (builtins != NULL) {
        st->sum = PyObject_GetAttrString(builtins, "sum");
        Py_DECREF(builtins);
    }
    if (st->round_name == NULL || st->four == NULL || st->sum == NULL) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
