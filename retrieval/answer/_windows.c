/* A question's candidate windows and their own facts in compiled code, as features.py's numpy
 * reference (`_window_facts_reference`) works them out, to the bit, and the best of each
 * window's sentences' facts (`Windows._bests`): a question has tens of windows, and numpy's
 * forty-odd calls on arrays that small cost more than their arithmetic. And the leaves the
 * answerability model's trees lead a row to (answerability.py's `Trees.leaves`): a few hundred
 * steps, where numpy worked out every node's way first.
 *
 * Every float is one operation on exact integers (a count, a length over MAX_CHARS, a share
 * copied) or the greatest of three, as numpy does it: no sums, nothing a fused multiply-add could round differently
 * (compiled with -ffp-contract=off all the same, as _memory.c).
 *
 * Only buffers cross the boundary (no numpy headers needed to build); the caller sizes the
 * outputs: `capacity` windows (each best sentence's `around` windows at most). */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The outputs' rows, in the order of features.py's WINDOW_INTS and WINDOW_FLOATS. */
enum { WHICH, START, END, LOW, HIGH, FIRST_ROW, MIDDLE_ROW, LAST_ROW, INTS };
enum { SENTENCES, AFTER, LENGTH, OVERLONG, FIRST, IN_ORDER, COMPACT, SHARE_BEFORE, SHARE_AFTER,
       FLOATS };

/* The rows of the laid-out arrays: a passage's first sentence and token, a sentence's span, a
 * token's span and question word (column). */
#define SBASE(p) bases[2 * (p)]
#define TBASE(p) bases[2 * (p) + 1]
#define START(s) spans[2 * (s)]
#define END(s) spans[2 * (s) + 1]
#define TSTART(k) tokens[3 * (k)]
#define TEND(k) tokens[3 * (k) + 1]
#define COLUMN(k) tokens[3 * (k) + 2]

/* The first position in a[0..n) (ascending) whose value is >= x (right: > x). */
static Py_ssize_t search(const int64_t *a, Py_ssize_t n, int64_t x, int right)
{
    Py_ssize_t lo = 0, hi = n;
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x || (right && a[mid] == x))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

PyDoc_STRVAR(windows_doc,
"windows(best, around, sentence_passage, bases, spans, sentence_of, tokens, shares,\n"
"max_sentences, max_chars, in_order_chars, pairs, ints, floats, covered, row_of) -> int\n\n"
"features.py's _window_facts_reference in C: the windows around the best sentences (int64;\n"
"around: int64 (first, last) offset pairs), their facts written to ints (int64, 8 rows of\n"
"capacity) and floats (float64, 9 rows of capacity), the sentences they cover to covered\n"
"(uint8, one a sentence, zero on entry) and each sentence's row among those covered to row_of\n"
"(int64); how many windows.");

static PyObject *windows(PyObject *self, PyObject *args)
{
    Py_buffer best_b, around_b, passage_b, bases_b, spans_b, of_b, tokens_b, shares_b, ints_b,
        floats_b, covered_b, row_of_b;
    Py_ssize_t max_sentences, max_chars, in_order_chars, pairs;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*nnnnw*w*w*w*", &best_b, &around_b, &passage_b,
                          &bases_b, &spans_b, &of_b, &tokens_b, &shares_b, &max_sentences, &max_chars,
                          &in_order_chars, &pairs, &ints_b, &floats_b, &covered_b, &row_of_b))
        return NULL;
    PyObject *result = NULL;
    uint8_t *marked = NULL;
    int64_t *in_order_sums = NULL;
    const int64_t *best = best_b.buf, *around = around_b.buf, *passage = passage_b.buf,
        *bases = bases_b.buf, *spans = spans_b.buf, *sentence_of = of_b.buf,
        *tokens = tokens_b.buf;
    const double *shares = shares_b.buf;
    uint8_t *covered = covered_b.buf;
    int64_t *row_of = row_of_b.buf;
    const Py_ssize_t W = (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t n_best = best_b.len / W, n_around = around_b.len / (2 * W);
    Py_ssize_t ns = passage_b.len / W, nt = of_b.len / W, np_ = bases_b.len / (2 * W) - 1;
    Py_ssize_t capacity = ints_b.len / (INTS * W);
    if (spans_b.len != 2 * ns * W || shares_b.len != ns * (Py_ssize_t)sizeof(double) || np_ < 0
        || bases_b.len != 2 * (np_ + 1) * W || tokens_b.len != 3 * nt * W
        || covered_b.len != ns || row_of_b.len != ns * W || floats_b.len != FLOATS * capacity * (Py_ssize_t)sizeof(double)
        || ints_b.len != INTS * capacity * W || max_sentences < 1 || pairs < 1
        || n_best * n_around > capacity) {
        PyErr_SetString(PyExc_ValueError, "arrays do not fit together");
        goto done;
    }
    for (Py_ssize_t a = 0; a < n_around; a++)
        if (around[2 * a + 1] < around[2 * a] || around[2 * a + 1] - around[2 * a] >= max_sentences) {
            PyErr_SetString(PyExc_ValueError, "a window of more than max_sentences");
            goto done;
        }
    for (Py_ssize_t p = 0; p <= np_; p++)
        if (SBASE(p) < 0 || SBASE(p) > ns || (p && SBASE(p) < SBASE(p - 1)) || TBASE(p) < 0
            || TBASE(p) > nt) {
            PyErr_SetString(PyExc_ValueError, "a passage outside the sentences or tokens");
            goto done;
        }
    marked = PyMem_Calloc((size_t)(ns > 0 ? ns : 1) * (size_t)max_sentences, 1);
    in_order_sums = PyMem_Malloc((size_t)(nt > 0 ? nt : 1) * sizeof(int64_t));
    if (marked == NULL || in_order_sums == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* Every window around the best sentences within their passage, each marked once in a table
     * of every sentence's max_sentences possible windows, which reads them in order. */
    for (Py_ssize_t b = 0; b < n_best; b++) {
        int64_t s = best[b];
        if (s < 0 || s >= ns || passage[s] < 0 || passage[s] >= np_) {
            PyErr_SetString(PyExc_ValueError, "a best sentence outside the passages");
            goto done;
        }
        int64_t low = SBASE(passage[s]), high = SBASE(passage[s] + 1);
        for (Py_ssize_t a = 0; a < n_around; a++) {
            int64_t i = s + around[2 * a], j = s + around[2 * a + 1];
            if (i >= low && j < high && (i == j || END(j) - START(i) <= max_chars))
                marked[i * max_sentences + j - i] = 1;
        }
    }
    /* in_order_sums[k]: how many of tokens[:k + 1]'s neighbouring pairs are in order. */
    for (Py_ssize_t k = 0; k < nt; k++)
        in_order_sums[k] = k == 0 ? 0 : in_order_sums[k - 1]
            + (TSTART(k) - TEND(k - 1) <= in_order_chars && COLUMN(k) == COLUMN(k - 1) + 1);
    Py_ssize_t count = 0;
    for (Py_ssize_t m = 0; m < ns * max_sentences; m++) {
        if (!marked[m])
            continue;
        int64_t i = m / max_sentences, j = i + m % max_sentences, middle = (i + j) / 2;
        covered[i] = covered[j] = covered[middle] = 1;
        if (passage[i] < 0 || passage[i] >= np_) {
            PyErr_SetString(PyExc_ValueError, "a sentence outside the passages");
            goto done;
        }
        int64_t which = passage[i], first = i - SBASE(which), start = START(i), end = END(j);
        int64_t length = end - start;
        Py_ssize_t low = search(sentence_of, nt, i, 0), high = search(sentence_of, nt, j, 1);
        int held = high > low;
        Py_ssize_t top = high - 1 > 0 ? high - 1 : 0, bottom = low < top ? low : top;
        int64_t last_word = held ? TEND(top) : start;
        int64_t after = 0;
        for (int64_t k = i; k < i + max_sentences; k++)
            after += k <= j && START(k < ns - 1 ? k : ns - 1) >= last_word;
        int64_t *o = (int64_t *)ints_b.buf + count;
        o[WHICH * capacity] = which;
        o[START * capacity] = start;
        o[END * capacity] = end;
        o[LOW * capacity] = low - TBASE(which);
        o[HIGH * capacity] = high - TBASE(which);
        o[FIRST_ROW * capacity] = i;  /* made rows below, once every sentence is covered */
        o[MIDDLE_ROW * capacity] = middle;
        o[LAST_ROW * capacity] = j;
        double *f = (double *)floats_b.buf + count;
        f[SENTENCES * capacity] = (double)(j - i + 1);
        f[AFTER * capacity] = (double)after;
        f[LENGTH * capacity] = (double)length / (double)max_chars;
        f[OVERLONG * capacity] = (double)(length > max_chars ? length - max_chars : 0)
            / (double)max_chars;
        f[FIRST * capacity] = first == 0 ? 1.0 : 0.0;
        f[IN_ORDER * capacity] = held ? (double)(in_order_sums[top] - in_order_sums[bottom])
            / (double)pairs : 0.0;
        f[COMPACT * capacity] = held && length > 0
            ? (double)(last_word - TSTART(bottom)) / (double)length : 0.0;
        f[SHARE_BEFORE * capacity] = first > 0 ? shares[i - 1] : 0.0;
        f[SHARE_AFTER * capacity] = j + 1 < SBASE(which + 1) ? shares[j + 1] : 0.0;
        count++;
    }
    /* Each covered sentence's row among them. */
    int64_t row = -1;
    for (Py_ssize_t s = 0; s < ns; s++) {
        row += covered[s];
        row_of[s] = row;
    }
    int64_t *rows = (int64_t *)ints_b.buf;
    for (Py_ssize_t r = FIRST_ROW; r <= LAST_ROW; r++)
        for (Py_ssize_t n = 0; n < count; n++)
            rows[r * capacity + n] = row_of[rows[r * capacity + n]];
    result = PyLong_FromSsize_t(count);
done:
    PyMem_Free(marked);
    PyMem_Free(in_order_sums);
    PyBuffer_Release(&best_b);
    PyBuffer_Release(&around_b);
    PyBuffer_Release(&passage_b);
    PyBuffer_Release(&bases_b);
    PyBuffer_Release(&spans_b);
    PyBuffer_Release(&of_b);
    PyBuffer_Release(&tokens_b);
    PyBuffer_Release(&shares_b);
    PyBuffer_Release(&ints_b);
    PyBuffer_Release(&floats_b);
    PyBuffer_Release(&covered_b);
    PyBuffer_Release(&row_of_b);
    return result;
}

PyDoc_STRVAR(bests_doc,
"bests(first, middle, last, facts, rows, out) -> None\n\n"
"Windows._bests in C: per window (its first, middle and last sentence's rows, int64) and each\n"
"sentence fact of facts (float64, rows x columns, C order), the greatest of its three rows'\n"
"values as numpy's maximum gives it (NaN kept), written to out (float64): each fact's block of\n"
"windows x columns, in C order, one after another.");

/* numpy's maximum: the first unless the second is greater (NaN is kept, from either). */
static inline double maximum(double a, double b)
{
    return (a >= b || a != a) ? a : b;
}

static PyObject *bests(PyObject *self, PyObject *args)
{
    Py_buffer first_b, middle_b, last_b, out_b;
    PyObject *facts;
    Py_ssize_t rows;
    if (!PyArg_ParseTuple(args, "y*y*y*Onw*", &first_b, &middle_b, &last_b, &facts, &rows,
                          &out_b))
        return NULL;
    PyObject *result = NULL, *seq = PySequence_Fast(facts, "facts must be a sequence");
    Py_ssize_t n = first_b.len / (Py_ssize_t)sizeof(int64_t), at = 0;
    const int64_t *row[3] = {first_b.buf, middle_b.buf, last_b.buf};
    double *out = out_b.buf;
    if (seq == NULL)
        goto done;
    if (middle_b.len != first_b.len || last_b.len != first_b.len || rows < 0) {
        PyErr_SetString(PyExc_ValueError, "arrays do not fit together");
        goto done;
    }
    for (Py_ssize_t k = 0; k < 3; k++)
        for (Py_ssize_t w = 0; w < n; w++)
            if (row[k][w] < 0 || row[k][w] >= rows) {
                PyErr_SetString(PyExc_ValueError, "a window's sentence outside the facts");
                goto done;
            }
    for (Py_ssize_t f = 0; f < PySequence_Fast_GET_SIZE(seq); f++) {
        Py_buffer fact;
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(seq, f), &fact, PyBUF_C_CONTIGUOUS) < 0)
            goto done;
        Py_ssize_t size = fact.len / (Py_ssize_t)sizeof(double);
        Py_ssize_t columns = rows ? size / rows : 0;
        if (columns * rows != size || (at + n * columns) * (Py_ssize_t)sizeof(double) > out_b.len) {
            PyBuffer_Release(&fact);
            PyErr_SetString(PyExc_ValueError, "arrays do not fit together");
            goto done;
        }
        const double *v = fact.buf;
        for (Py_ssize_t w = 0; w < n; w++) {
            const double *a = v + row[0][w] * columns, *b = v + row[1][w] * columns,
                *c = v + row[2][w] * columns;
            for (Py_ssize_t j = 0; j < columns; j++)
                out[at + w * columns + j] = maximum(maximum(a[j], b[j]), c[j]);
        }
        at += n * columns;
        PyBuffer_Release(&fact);
    }
    if (at * (Py_ssize_t)sizeof(double) != out_b.len) {
        PyErr_SetString(PyExc_ValueError, "arrays do not fit together");
        goto done;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    Py_XDECREF(seq);
    PyBuffer_Release(&first_b);
    PyBuffer_Release(&middle_b);
    PyBuffer_Release(&last_b);
    PyBuffer_Release(&out_b);
    return result;
}

PyDoc_STRVAR(leaves_doc,
"leaves(row, feature, threshold, left, right, width, depth, out) -> None\n\n"
"answerability.py's Trees walked in C: from each tree's root (every width-th node), depth steps\n"
"left where row[feature] <= threshold (float64), else right (int64 nodes), as the numpy\n"
"reference steps; each tree's leaf written to out (int64, one a tree).");

static PyObject *leaves(PyObject *self, PyObject *args)
{
    Py_buffer row_b, feature_b, threshold_b, left_b, right_b, out_b;
    Py_ssize_t width, depth;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*nnw*", &row_b, &feature_b, &threshold_b, &left_b,
                          &right_b, &width, &depth, &out_b))
        return NULL;
    PyObject *result = NULL;
    const Py_ssize_t W = (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t inputs = row_b.len / (Py_ssize_t)sizeof(double), nodes = feature_b.len / W;
    const double *row = row_b.buf, *threshold = threshold_b.buf;
    const int64_t *feature = feature_b.buf, *left = left_b.buf, *right = right_b.buf;
    int64_t *out = out_b.buf;
    if (width < 1 || depth < 0 || nodes % width != 0 || out_b.len != nodes / width * W
        || threshold_b.len != nodes * (Py_ssize_t)sizeof(double) || left_b.len != nodes * W
        || right_b.len != nodes * W) {
        PyErr_SetString(PyExc_ValueError, "arrays do not fit together");
        goto done;
    }
    for (Py_ssize_t t = 0; t < nodes / width; t++) {
        int64_t node = t * width;
        for (Py_ssize_t d = 0; d < depth; d++) {
            if (feature[node] < 0 || feature[node] >= inputs) {
                PyErr_SetString(PyExc_ValueError, "a node reads an input the row has not");
                goto done;
            }
            node = row[feature[node]] <= threshold[node] ? left[node] : right[node];
            if (node < 0 || node >= nodes) {
                PyErr_SetString(PyExc_ValueError, "a node leads out of the trees");
                goto done;
            }
        }
        out[t] = node;
    }
    Py_INCREF(Py_None);
    result = Py_None;
done:
    PyBuffer_Release(&row_b);
    PyBuffer_Release(&feature_b);
    PyBuffer_Release(&threshold_b);
    PyBuffer_Release(&left_b);
    PyBuffer_Release(&right_b);
    PyBuffer_Release(&out_b);
    return result;
}

static PyMethodDef methods[] = {
    {"windows", windows, METH_VARARGS, windows_doc},
    {"bests", bests, METH_VARARGS, bests_doc},
    {"leaves", leaves, METH_VARARGS, leaves_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_windows",
    "A question's candidate windows and their own facts, and the answerability trees' leaves, in\n"
    "compiled code (see features.py, answerability.py).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__windows(void)
{
    return PyModule_Create(&module);
}
