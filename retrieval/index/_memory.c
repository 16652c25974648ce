/* memory.py's inner loops in compiled code, each beside the Python reference the tests compare
 * it with: a term's place in the vocabulary (`position`), and a question's postings added up
 * and its k best passages picked (`best`).
 *
 * `best` does as the numpy reference (`_best`) does, to the bit and in the same order, without
 * numpy's concatenations and sorts of every posting read.
 *
 * Each passage's score is its terms' weighted BM25 weights added in query order, as the
 * reference adds them (compiled with -ffp-contract=off: a fused multiply-add would round
 * differently); the terms of a group (an English word's French senses) count once, its best
 * one's weight plus a share of the others' (`group_score`), merged row by row from the group's
 * postings. The k best are the highest positive scores, ties by lowest row.
 *
 * Max-score pruning: terms marked long are read at first only where the other terms' passages
 * are (a binary search per candidate); when the k-th best score found is above what the long
 * terms alone can give (`outside`), no other passage can enter the top k. Otherwise the long
 * columns' other passages are read too, and the result is the same as without pruning.
 *
 * A passage's stored analysis is turned into the lists answering reads (`passage_words`), as
 * Analyses.passage does it, without a Python object per number on the way.
 *
 * Only buffers and lists cross the boundary (no numpy headers needed to build), and the k
 * passages come back as the matches a search gives (`matches`): the caller owns two
 * scratch arrays of one slot per passage, all zero, which are left all zero on return. The
 * GIL is held throughout, so one index's scratch serves one question at a time. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Whether passage a (score sa) ranks before passage b: higher score, then lower row. */
static inline int before(double sa, int32_t a, double sb, int32_t b)
{
    return sa > sb || (sa == sb && a < b);
}

/* The position of row in column[0..n) (ascending), or -1. */
static Py_ssize_t find(const int32_t *column, Py_ssize_t n, int32_t row)
{
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (column[mid] < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && column[lo] == row ? lo : -1;
}

/* A heap of the best `size` passages so far, the worst at the root. */
typedef struct {
    int32_t *rows;
    double *scores;
    Py_ssize_t size, k;
} Top;

static void sift_down(Top *t, Py_ssize_t i)
{
    for (;;) {
        Py_ssize_t worst = i, l = 2 * i + 1, r = l + 1;
        if (l < t->size && before(t->scores[worst], t->rows[worst], t->scores[l], t->rows[l]))
            worst = l;
        if (r < t->size && before(t->scores[worst], t->rows[worst], t->scores[r], t->rows[r]))
            worst = r;
        if (worst == i)
            return;
        int32_t row = t->rows[i];
        double score = t->scores[i];
        t->rows[i] = t->rows[worst];
        t->scores[i] = t->scores[worst];
        t->rows[worst] = row;
        t->scores[worst] = score;
        i = worst;
    }
}

static void offer(Top *t, int32_t row, double score)
{
    if (!(score > 0.0))
        return;
    if (t->size < t->k) {  /* sift up */
        Py_ssize_t i = t->size++;
        while (i > 0) {
            Py_ssize_t parent = (i - 1) / 2;
            if (!before(t->scores[parent], t->rows[parent], score, row))
                break;
            t->rows[i] = t->rows[parent];
            t->scores[i] = t->scores[parent];
            i = parent;
        }
        t->rows[i] = row;
        t->scores[i] = score;
    } else if (before(score, row, t->scores[0], t->rows[0])) {
        t->rows[0] = row;
        t->scores[0] = score;
        sift_down(t, 0);
    }
}

/* The heap's passages best first (k is small: an insertion sort). */
static void order(Top *t)
{
    for (Py_ssize_t i = 1; i < t->size; i++) {
        int32_t row = t->rows[i];
        double score = t->scores[i];
        Py_ssize_t j = i;
        for (; j > 0 && before(score, row, t->scores[j - 1], t->rows[j - 1]); j--) {
            t->rows[j] = t->rows[j - 1];
            t->scores[j] = t->scores[j - 1];
        }
        t->rows[j] = row;
        t->scores[j] = score;
    }
}

/* A new candidate row, unless marked already. */
static inline void mark(uint8_t *marks, int32_t *candidates, Py_ssize_t *count, int32_t row)
{
    if (!marks[row]) {
        marks[row] = 1;
        candidates[(*count)++] = row;
    }
}

/* The passages of `top` (ordered) as `match` objects, made as tuple.__new__ makes a named
 * tuple's: each passage's article id (names[d], d the last with first[d] <= row), its
 * paragraph number from 1, its score, the frozenset of the query's terms it holds (one set
 * shared by the passages that hold the same terms) and its article's digest (None without
 * digests). Building them here costs a question a few microseconds less than in Python. */
static PyObject *matches(const Top *top, const int32_t *p, const int64_t *sp, Py_ssize_t terms,
                         const int64_t *first, Py_ssize_t articles, PyObject *query,
                         PyObject *names, PyObject *digests, PyTypeObject *match)
{
    PyObject *found = PyList_New(top->size);
    char *holds = PyMem_Malloc((size_t)(top->size * terms + 1));
    Py_ssize_t *distinct = PyMem_Malloc((size_t)(top->size + 1) * sizeof(Py_ssize_t));
    PyObject **sets = PyMem_Malloc((size_t)(top->size + 1) * sizeof(PyObject *));
    Py_ssize_t n_distinct = 0;
    if (found == NULL || holds == NULL || distinct == NULL || sets == NULL) {
        if (found != NULL)
            PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t n = 0; n < top->size; n++) {
        int32_t row = top->rows[n];
        char *held = holds + n * terms;
        for (Py_ssize_t t = 0; t < terms; t++)
            held[t] = find(p + sp[2 * t], sp[2 * t + 1] - sp[2 * t], row) >= 0;
        Py_ssize_t lo = 0, hi = articles;  /* the first d with first[d] > row */
        while (lo < hi) {
            Py_ssize_t mid = lo + (hi - lo) / 2;
            if (first[mid] <= row)
                lo = mid + 1;
            else
                hi = mid;
        }
        Py_ssize_t d = lo - 1;
        if (d < 0 || d >= PyList_GET_SIZE(names)) {
            PyErr_SetString(PyExc_ValueError, "a passage outside the documents");
            goto fail;
        }
        PyObject *set = NULL;
        for (Py_ssize_t m = 0; m < n_distinct && set == NULL; m++)
            if (memcmp(holds + distinct[m] * terms, held, (size_t)terms) == 0)
                set = sets[distinct[m]];
        if (set != NULL) {
            Py_INCREF(set);
        } else {
            set = PyFrozenSet_New(NULL);
            for (Py_ssize_t t = 0; t < terms && set != NULL; t++)
                if (held[t] && PySet_Add(set, PyList_GET_ITEM(query, t)) < 0)
                    Py_CLEAR(set);
            if (set == NULL)
                goto fail;
            distinct[n_distinct++] = n;
        }
        sets[n] = set;  /* borrowed from the match that holds it */
        PyObject *item = match->tp_alloc(match, 5);
        PyObject *paragraph = PyLong_FromLongLong((long long)row - first[d] + 1);
        PyObject *score = PyFloat_FromDouble(top->scores[n]);
        if (item == NULL || paragraph == NULL || score == NULL) {
            Py_XDECREF(item);
            Py_XDECREF(paragraph);
            Py_XDECREF(score);
            Py_DECREF(set);
            goto fail;
        }
        PyObject *name = PyList_GET_ITEM(names, d);
        PyObject *digest = digests == Py_None ? Py_None : PyList_GET_ITEM(digests, d);
        Py_INCREF(name);
        Py_INCREF(digest);
        PyTuple_SET_ITEM(item, 0, name);
        PyTuple_SET_ITEM(item, 1, paragraph);
        PyTuple_SET_ITEM(item, 2, score);
        PyTuple_SET_ITEM(item, 3, set);
        PyTuple_SET_ITEM(item, 4, digest);
        PyList_SET_ITEM(found, n, item);
    }
    goto done;
fail:
    Py_CLEAR(found);
done:
    PyMem_Free(holds);
    PyMem_Free(distinct);
    PyMem_Free(sets);
    return found;
}

/* A group's score in a passage (its terms' alternatives for one question word): its best
 * term's score plus tie times the others', the others' taken as the sum of all (added in query
 * order) less the best, as the reference computes it. */
static inline double group_score(double best, double sum, double tie)
{
    return best + tie * (sum - best);
}

/* One of a group's terms found in a passage with `score`: added to the group's sum (in query
 * order), and its best kept (the first held, then any higher). */
static inline void add_sense(double score, double *best, double *sum, int *held)
{
    *sum += score;
    if (!(*held)++ || score > *best)
        *best = score;
}

/* The postings of the group's terms t0..t1 (those marked long if `longs`, else the others)
 * merged by row, each row's group score added to its total, in ascending rows; a row marked 1
 * (a candidate) is left out when `fresh`, a row not marked is marked 2 and becomes a candidate.
 * `at` holds a position per term. -1 for a passage beyond the scratch. */
static int merge(const int32_t *p, const double *w, const int64_t *sp, const double *b,
                 const uint8_t *is_long, Py_ssize_t t0, Py_ssize_t t1, int longs, int fresh,
                 double tie, double *total, uint8_t *marked, int32_t *candidates,
                 Py_ssize_t *count, Py_ssize_t size, int64_t *at)
{
    for (Py_ssize_t t = t0; t < t1; t++)
        at[t] = is_long[t] == longs ? sp[2 * t] : sp[2 * t + 1];
    for (;;) {
        int32_t row = 0;
        int any = 0;
        for (Py_ssize_t t = t0; t < t1; t++)
            if (at[t] < sp[2 * t + 1] && (!any || p[at[t]] < row)) {
                row = p[at[t]];
                any = 1;
            }
        if (!any)
            return 0;
        if ((uint32_t)row >= (uint32_t)size)
            return -1;
        double best = 0.0, sum = 0.0;
        int held = 0;
        for (Py_ssize_t t = t0; t < t1; t++)
            if (at[t] < sp[2 * t + 1] && p[at[t]] == row)
                add_sense(b[t] * w[at[t]++], &best, &sum, &held);
        if (fresh && marked[row] == 1)
            continue;
        if (!marked[row]) {
            marked[row] = 2;
            candidates[(*count)++] = row;
        }
        total[row] += group_score(best, sum, tie);
    }
}

PyDoc_STRVAR(best_doc,
"best(passages, weights, spans, boosts, long, outside, runs, tie, k, totals, marks, first,\n"
"     query, names, digests, match) -> list\n\n"
"The k best passages of the terms query[t] whose postings are passages[spans[2t]:spans[2t+1]]\n"
"(int32, ascending) with weights (float64), each weight times boosts[t], best first, each as\n"
"match(names[d], paragraph, score, held, digests[d] or None): d its document's number (the\n"
"last d with first[d] <= row, first int64 ascending), paragraph its row less first[d] plus 1,\n"
"held the frozenset of the terms it holds; match a named tuple of those five fields. runs\n"
"(int64: 0, then where each group of terms ends) groups the terms, each group counting once\n"
"in a passage's score, its best term's plus tie times the others'; empty, each term is a\n"
"group. long[t] (uint8) marks the terms read only where the others' passages are while the\n"
"k-th best score found is above outside (k at least 1). totals (float64) and marks (uint8),\n"
"one slot a passage, must be zero.");

static PyObject *best(PyObject *self, PyObject *args)
{
    Py_buffer passages, weights, spans, boosts, longs, runs, totals, marks, firsts;
    double outside, tie;
    Py_ssize_t k;
    PyObject *query, *names, *digests;
    PyTypeObject *match;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*dy*dnw*w*y*O!O!OO!", &passages, &weights, &spans,
                          &boosts, &longs, &outside, &runs, &tie, &k, &totals, &marks, &firsts,
                          &PyList_Type, &query, &PyList_Type, &names, &digests,
                          &PyType_Type, &match))
        return NULL;
    PyObject *result = NULL;
    int32_t *candidates = NULL, *top_rows = NULL;
    double *top_scores = NULL;
    int64_t *group = NULL, *at = NULL;
    const int32_t *p = passages.buf;
    const double *w = weights.buf;
    const int64_t *sp = spans.buf;
    const double *b = boosts.buf;
    const uint8_t *is_long = longs.buf;
    double *total = totals.buf;
    uint8_t *marked = marks.buf;
    Py_ssize_t terms = boosts.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t size = totals.len / (Py_ssize_t)sizeof(double);
    Py_ssize_t n_postings = passages.len / (Py_ssize_t)sizeof(int32_t);
    Py_ssize_t groups = runs.len / (Py_ssize_t)sizeof(int64_t) - 1;
    if (weights.len / (Py_ssize_t)sizeof(double) != n_postings
        || spans.len != 2 * terms * (Py_ssize_t)sizeof(int64_t) || longs.len != terms
        || marks.len != size || k < 1 || firsts.len < (Py_ssize_t)sizeof(int64_t)
        || PyList_GET_SIZE(query) != terms
        || PyList_GET_SIZE(names) != firsts.len / (Py_ssize_t)sizeof(int64_t) - 1
        || (digests != Py_None
            && !(PyList_Check(digests) && PyList_GET_SIZE(digests) == PyList_GET_SIZE(names)))
        || !PyType_IsSubtype(match, &PyTuple_Type)) {
        PyErr_SetString(PyExc_ValueError, "arrays do not fit together");
        goto done;
    }
    if (k > size)  /* no more passages to return than there are */
        k = size > 0 ? size : 1;
    /* Where each group starts, and one past the last: the runs given (checked: ascending, from
     * 0 to every term), or each term its own. */
    int grouped = groups >= 0;
    if (!grouped)
        groups = terms;
    group = PyMem_Malloc((size_t)(groups + 1) * sizeof(int64_t));
    at = PyMem_Malloc((size_t)(terms > 0 ? terms : 1) * sizeof(int64_t));
    if (group == NULL || at == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t g = 0; g <= groups; g++) {
        group[g] = grouped ? ((const int64_t *)runs.buf)[g] : g;
        if (g ? group[g] <= group[g - 1] : group[g] != 0) {
            PyErr_SetString(PyExc_ValueError, "groups do not fit the terms");
            goto done;
        }
    }
    if (group[groups] != terms) {
        PyErr_SetString(PyExc_ValueError, "groups do not fit the terms");
        goto done;
    }
    /* Every span within the postings, every passage within the scratch (checked as read): a
     * store may hold anything. */
    Py_ssize_t room = 0;
    int any_long = 0;
    for (Py_ssize_t t = 0; t < terms; t++) {
        int64_t s = sp[2 * t], e = sp[2 * t + 1];
        if (s < 0 || e < s || e > n_postings) {
            PyErr_SetString(PyExc_ValueError, "a span outside the postings");
            goto done;
        }
        any_long |= is_long[t];
        room += e - s;
    }
    if (!any_long)
        outside = 0.0;
    candidates = PyMem_Malloc((size_t)(room > 0 ? room : 1) * sizeof(int32_t));
    top_rows = PyMem_Malloc((size_t)k * sizeof(int32_t));
    top_scores = PyMem_Malloc((size_t)k * sizeof(double));
    if (candidates == NULL || top_rows == NULL || top_scores == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t count = 0;
    /* The short terms' passages are the candidates. A passage's groups are added in query
     * order: at once, each term's weights, where no term is long and each is a group; else
     * in a second pass, group by group. */
    int at_once = !any_long && groups == terms;
    for (Py_ssize_t t = 0; t < terms; t++)
        if (!is_long[t])
            for (int64_t i = sp[2 * t]; i < sp[2 * t + 1]; i++) {
                if ((uint32_t)p[i] >= (uint32_t)size)
                    goto outside_scratch;
                mark(marked, candidates, &count, p[i]);
                if (at_once)
                    total[p[i]] += b[t] * w[i];
            }
    for (Py_ssize_t g = 0; g < groups && !at_once; g++) {
        Py_ssize_t t0 = group[g], t1 = group[g + 1];
        int has_long = 0;
        for (Py_ssize_t t = t0; t < t1; t++)
            has_long |= is_long[t];
        if (t1 - t0 == 1 && !has_long) {
            for (int64_t i = sp[2 * t0]; i < sp[2 * t0 + 1]; i++)
                total[p[i]] += b[t0] * w[i];
        } else if (t1 - t0 == 1) {
            int64_t s = sp[2 * t0], e = sp[2 * t0 + 1];
            for (Py_ssize_t c = 0; c < count; c++) {
                Py_ssize_t found = find(p + s, e - s, candidates[c]);
                if (found >= 0)
                    total[candidates[c]] += b[t0] * w[s + found];
            }
        } else if (!has_long) {  /* every passage a candidate already */
            if (merge(p, w, sp, b, is_long, t0, t1, 0, 0, tie, total, marked, candidates,
                      &count, size, at) < 0)
                goto outside_scratch;
        } else {  /* each term looked up at each candidate */
            for (Py_ssize_t c = 0; c < count; c++) {
                double best = 0.0, sum = 0.0;
                int held = 0;
                for (Py_ssize_t t = t0; t < t1; t++) {
                    Py_ssize_t found = find(p + sp[2 * t], sp[2 * t + 1] - sp[2 * t],
                                            candidates[c]);
                    if (found >= 0)
                        add_sense(b[t] * w[sp[2 * t] + found], &best, &sum, &held);
                }
                if (held)
                    total[candidates[c]] += group_score(best, sum, tie);
            }
        }
    }
    Top top = {top_rows, top_scores, 0, k};
    for (Py_ssize_t c = 0; c < count; c++)
        offer(&top, candidates[c], total[candidates[c]]);
    if (any_long && !(top.size == k && top.scores[0] > outside)) {
        /* A passage without the short terms may still be among the best: the long columns'
         * other passages, each group added in query order. */
        Py_ssize_t first_new = count;
        for (Py_ssize_t g = 0; g < groups; g++) {
            Py_ssize_t t0 = group[g], t1 = group[g + 1];
            if (t1 - t0 > 1) {
                if (merge(p, w, sp, b, is_long, t0, t1, 1, 1, tie, total, marked, candidates,
                          &count, size, at) < 0)
                    goto outside_scratch;
                continue;
            }
            if (!is_long[t0])
                continue;
            for (int64_t i = sp[2 * t0]; i < sp[2 * t0 + 1]; i++) {
                int32_t row = p[i];
                if ((uint32_t)row >= (uint32_t)size)
                    goto outside_scratch;
                if (marked[row] == 1)
                    continue;  /* a candidate: its sum is whole */
                if (!marked[row]) {
                    marked[row] = 2;
                    candidates[count++] = row;
                }
                total[row] += b[t0] * w[i];
            }
        }
        for (Py_ssize_t c = first_new; c < count; c++)
            offer(&top, candidates[c], total[candidates[c]]);
    }
    order(&top);
    result = matches(&top, p, sp, terms, firsts.buf,
                     firsts.len / (Py_ssize_t)sizeof(int64_t), query, names, digests, match);
    goto clear;
outside_scratch:
    PyErr_SetString(PyExc_ValueError, "a passage outside the index");
clear:
    for (Py_ssize_t c = 0; c < count; c++) {  /* the scratch left as it was found */
        total[candidates[c]] = 0.0;
        marked[candidates[c]] = 0;
    }
done:
    PyMem_Free(candidates);
    PyMem_Free(top_rows);
    PyMem_Free(top_scores);
    PyMem_Free(group);
    PyMem_Free(at);
    PyBuffer_Release(&passages);
    PyBuffer_Release(&weights);
    PyBuffer_Release(&spans);
    PyBuffer_Release(&boosts);
    PyBuffer_Release(&longs);
    PyBuffer_Release(&runs);
    PyBuffer_Release(&totals);
    PyBuffer_Release(&marks);
    PyBuffer_Release(&firsts);
    return result;
}

PyDoc_STRVAR(position_doc,
"position(blob, offsets, key, lo, exact=False) -> int\n\n"
"The position of the first term, from lo on, not below key (bytes), the terms being\n"
"blob[offsets[i]:offsets[i + 1]] (int64 offsets, the terms in ascending byte order); with\n"
"exact, -1 unless that term is key.");

static PyObject *position(PyObject *self, PyObject *args)
{
    Py_buffer blob, offsets, key;
    Py_ssize_t lo;
    int exact = 0;
    if (!PyArg_ParseTuple(args, "y*y*y*n|p", &blob, &offsets, &key, &lo, &exact))
        return NULL;
    PyObject *result = NULL;
    const unsigned char *bytes = blob.buf, *wanted = key.buf;
    const int64_t *at = offsets.buf;
    Py_ssize_t hi = offsets.len / (Py_ssize_t)sizeof(int64_t) - 1;
    if (hi < 0 || lo < 0 || at[0] != 0 || at[hi] != blob.len) {
        PyErr_SetString(PyExc_ValueError, "offsets do not fit the terms");
        goto done;
    }
    if (lo > hi)
        lo = hi;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        int64_t start = at[mid], end = at[mid + 1];
        if (start < 0 || end < start || end > blob.len) {
            PyErr_SetString(PyExc_ValueError, "offsets do not fit the terms");
            goto done;
        }
        Py_ssize_t length = (Py_ssize_t)(end - start);
        Py_ssize_t common = length < key.len ? length : key.len;
        int order = memcmp(bytes + start, wanted, (size_t)common);
        if (order < 0 || (order == 0 && length < key.len))
            lo = mid + 1;
        else
            hi = mid;
    }
    Py_ssize_t terms = offsets.len / (Py_ssize_t)sizeof(int64_t) - 1;
    if (exact && !(lo < terms && at[lo] >= 0 && at[lo] <= at[lo + 1] && at[lo + 1] <= blob.len
                   && at[lo + 1] - at[lo] == key.len
                   && memcmp(bytes + at[lo], wanted, (size_t)key.len) == 0))
        lo = -1;
    result = PyLong_FromSsize_t(lo);
done:
    PyBuffer_Release(&blob);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&key);
    return result;
}

PyDoc_STRVAR(passage_words_doc,
"passage_words(data, length, blob, offsets, terms) -> tuple | None\n\n"
"A passage's stored analysis as Analyses.passage reads it (int32: its word and sentence\n"
"counts, then term id, start and end of each word, start and end of each sentence, then its\n"
"title's term ids): its words' terms, starts and ends, its sentences' spans and its title's\n"
"terms; None unless the counts fit the data, every offset the paragraph's length and every\n"
"id the vocabulary (blob and int64 offsets). `terms` is the list of the vocabulary's terms\n"
"decoded so far, by id (None for the others): a term first met is decoded and kept there.");

/* The term of vocabulary id `id` (checked to be in it and in `terms`, a list as long as the
 * vocabulary), from `terms` or decoded into it: a borrowed reference, NULL on error. */
static PyObject *term_of(PyObject *terms, int32_t id, const char *blob, Py_ssize_t size,
                         const int64_t *at)
{
    PyObject *term = PyList_GET_ITEM(terms, id);
    if (term != Py_None)
        return term;
    int64_t start = at[id], end = at[id + 1];
    if (start < 0 || end < start || end > size) {
        PyErr_SetString(PyExc_ValueError, "offsets do not fit the terms");
        return NULL;
    }
    if ((term = PyUnicode_DecodeUTF8(blob + start, (Py_ssize_t)(end - start), "strict")) == NULL)
        return NULL;
    PyList_SET_ITEM(terms, id, term);  /* the list holds it */
    Py_DECREF(Py_None);
    return term;
}

static PyObject *passage_words(PyObject *self, PyObject *args)
{
    Py_buffer data, blob, offsets;
    Py_ssize_t length;
    PyObject *terms;
    if (!PyArg_ParseTuple(args, "y*ny*y*O!", &data, &length, &blob, &offsets, &PyList_Type,
                          &terms))
        return NULL;
    PyObject *result = NULL, *found = NULL, *starts = NULL, *ends = NULL, *sentences = NULL,
             *titled = NULL;
    const int32_t *w = data.buf;
    const int64_t *at = offsets.buf;
    Py_ssize_t size = data.len / (Py_ssize_t)sizeof(int32_t);
    Py_ssize_t vocabulary = offsets.len / (Py_ssize_t)sizeof(int64_t) - 1;
    if (vocabulary != PyList_GET_SIZE(terms)) {
        PyErr_SetString(PyExc_ValueError, "terms do not fit the vocabulary");
        goto done;
    }
    if (size < 2 || w[0] < 0 || w[1] < 0 || 2 + 3 * (Py_ssize_t)w[0] + 2 * (Py_ssize_t)w[1] > size)
        goto unfit;
    Py_ssize_t n = w[0], m = w[1];
    w += 2;
    const int32_t *s = w + 3 * n, *t = s + 2 * m;
    Py_ssize_t k = size - 2 - 3 * n - 2 * m;
    for (Py_ssize_t i = 0; i < n; i++)
        if (w[3 * i] < 0 || w[3 * i] >= vocabulary || w[3 * i + 1] < 0 || w[3 * i + 2] > length)
            goto unfit;
    for (Py_ssize_t i = 0; i < 2 * m; i++)
        if (s[i] < 0 || s[i] > length)
            goto unfit;
    for (Py_ssize_t i = 0; i < k; i++)
        if (t[i] < 0 || t[i] >= vocabulary)
            goto unfit;
    if (!(found = PyList_New(n)) || !(starts = PyList_New(n)) || !(ends = PyList_New(n))
            || !(sentences = PyList_New(m)) || !(titled = PyFrozenSet_New(NULL)))
        goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *term = term_of(terms, w[3 * i], blob.buf, blob.len, at), *start, *end;
        if (term == NULL || !(start = PyLong_FromLong(w[3 * i + 1])))
            goto done;
        Py_INCREF(term);
        PyList_SET_ITEM(found, i, term);
        PyList_SET_ITEM(starts, i, start);
        if (!(end = PyLong_FromLong(w[3 * i + 2])))
            goto done;
        PyList_SET_ITEM(ends, i, end);
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *span = PyTuple_New(2), *start, *end;
        if (span == NULL)
            goto done;
        PyList_SET_ITEM(sentences, i, span);
        if (!(start = PyLong_FromLong(s[2 * i])))
            goto done;
        PyTuple_SET_ITEM(span, 0, start);
        if (!(end = PyLong_FromLong(s[2 * i + 1])))
            goto done;
        PyTuple_SET_ITEM(span, 1, end);
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *term = term_of(terms, t[i], blob.buf, blob.len, at);
        if (term == NULL || PySet_Add(titled, term) < 0)
            goto done;
    }
    result = PyTuple_Pack(5, found, starts, ends, sentences, titled);
    goto done;
unfit:
    result = Py_None;
    Py_INCREF(result);
done:
    Py_XDECREF(found);
    Py_XDECREF(starts);
    Py_XDECREF(ends);
    Py_XDECREF(sentences);
    Py_XDECREF(titled);
    PyBuffer_Release(&data);
    PyBuffer_Release(&blob);
    PyBuffer_Release(&offsets);
    return result;
}

static PyMethodDef methods[] = {
    {"position", position, METH_VARARGS, position_doc},
    {"best", best, METH_VARARGS, best_doc},
    {"passage_words", passage_words, METH_VARARGS, passage_words_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_memory",
    "memory.py's inner loops in compiled code: the vocabulary's search, the scoring and top k,\n"
    "a passage's stored analysis read.",
    -1, methods,
};

PyMODINIT_FUNC PyInit__memory(void)
{
    return PyModule_Create(&module);
}
