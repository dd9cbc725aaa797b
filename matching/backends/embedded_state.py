"""One index of the embedded backend held in memory: slots, vectors, postings, facet columns.

Each document occupies a slot (row) for as long as it exists; a replaced document keeps its
slot, a deleted one leaves a dead slot behind (the backend reloads the index whole when dead
slots outnumber a third of them). Per embedder a contiguous float32 matrix (slots, d) of unit
rows and a bool mask of the slots that have a vector; postings in :class:`KeywordIndex`; one
:class:`FacetColumn` per filterable or sortable field. :meth:`IndexState.apply` takes rows read
from the store (all of them, or those changed since ``seq``) and brings everything up to date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from matching.backends.base import IndexSettings
from matching.backends.embedded_documents import facet_fields
from matching.backends.embedded_facets import FacetColumn, FacetDictionary
from matching.backends.embedded_keywords import KeywordIndex
from matching.backends.embedded_store import DocumentRow, VectorRow


class IndexState:
    """The in-memory copy of one index at (generation, seq). Not thread-safe (the backend locks)."""

    def __init__(self, settings: IndexSettings, generation: int, dictionary: FacetDictionary) -> None:
        self.settings = settings
        self.generation = generation
        self.seq = 0
        self.slots = 0
        self.capacity = 0
        self.pks = np.zeros(0, dtype=np.int64)
        self.alive = np.zeros(0, dtype=bool)
        self.ids: list[str | None] = []
        self.slot_of: dict[int, int] = {}
        self.keywords = KeywordIndex()
        self.columns = {name: FacetColumn(dictionary) for name in facet_fields(settings)}
        self.dimensions = {e.name: e.dimensions for e in settings.embedders}
        self.vectors = {name: np.zeros((0, d), dtype=np.float32) for name, d in self.dimensions.items()}
        self.has_vector = {name: np.zeros(0, dtype=bool) for name in self.dimensions}
        self.dead = 0

    @property
    def documents(self) -> int:
        """Live documents."""
        return self.slots - self.dead

    def needs_repack(self) -> bool:
        """True when dead slots outnumber a third of all slots (reload to reclaim them)."""
        return self.dead > 1000 and self.dead * 3 > self.slots

    def apply(self, rows: Sequence[DocumentRow], vector_rows: Mapping[str, Sequence[VectorRow]], deleted: Sequence[int], seq: int) -> None:
        """Bring the state to ``seq``: remove ``deleted`` pks, then write ``rows`` and their
        vectors ({embedder: rows}; the facet dictionary must already know their values)."""
        self.remove(deleted)
        self.add_rows(rows)
        for name, rows_of_embedder in vector_rows.items():
            self.add_vectors(name, rows_of_embedder)
        self.finish(seq)

    def remove(self, deleted: Sequence[int]) -> None:
        """Forget the documents of these pks."""
        for pk in deleted:
            slot = self.slot_of.pop(pk, None)
            if slot is not None:
                self._clear(slot)

    def add_rows(self, rows: Sequence[DocumentRow]) -> None:
        """Write documents (new or replaced); their vectors come through :meth:`add_vectors`
        (a replaced document has none until then). Call :meth:`finish` before searching."""
        if not rows:
            return
        self.reserve(self.slots + sum(1 for row in rows if row[0] not in self.slot_of))
        slots = np.empty(len(rows), dtype=np.int64)
        for index, (pk, doc_id, *_rest) in enumerate(rows):
            slot = self.slot_of.get(pk)
            if slot is None:
                slot = self.slots
                self.slots += 1
                self.slot_of[pk] = slot
                self.pks[slot] = pk
                self.ids.append(doc_id)
            else:
                if not self.alive[slot]:
                    self.dead -= 1
                self.ids[slot] = doc_id
            slots[index] = slot
        self.alive[slots] = True
        blobs = [row[2] for row in rows]
        sizes = np.fromiter((len(b) // 8 for b in blobs), dtype=np.int64, count=len(blobs))
        pairs = np.frombuffer(b"".join(blobs), dtype=np.int32).reshape(-1, 2)
        row_of_element = np.repeat(np.arange(len(rows)), sizes)
        for position, column in enumerate(self.columns.values()):
            chosen = pairs[:, 0] == position
            counts = np.bincount(row_of_element[chosen], minlength=len(rows))
            column.set_many(slots, counts, pairs[chosen, 1])
        self.keywords.set_many(slots, [row[3] for row in rows], [row[4] for row in rows], [row[5] for row in rows])
        for mask in self.has_vector.values():
            mask[slots] = False

    def add_vectors(self, name: str, rows: Sequence[VectorRow]) -> None:
        """Store (pk, float32 bytes) vectors of one embedder for documents already added."""
        if name not in self.dimensions:
            return
        size = 4 * self.dimensions[name]
        slot_of = self.slot_of
        chosen = [(slot_of[pk], blob) for pk, blob in rows if pk in slot_of and len(blob) == size]
        if not chosen:
            return
        index = np.fromiter((slot for slot, _blob in chosen), dtype=np.int64, count=len(chosen))
        matrix = np.frombuffer(b"".join([blob for _slot, blob in chosen]), dtype=np.float32).reshape(len(chosen), self.dimensions[name])
        if index[-1] - index[0] == len(index) - 1 and (len(index) < 2 or bool((np.diff(index) == 1).all())):
            self.vectors[name][index[0] : index[-1] + 1] = matrix  # a run of slots: a plain copy
        else:
            self.vectors[name][index] = matrix
        self.has_vector[name][index] = True

    def finish(self, seq: int) -> None:
        """Build what the queued changes need (postings segments, facet arrays); now at ``seq``."""
        self.keywords.flush()
        for column in self.columns.values():
            column.flush()
        self.seq = seq

    def _clear(self, slot: int) -> None:
        if not self.alive[slot]:
            return
        self.alive[slot] = False
        self.dead += 1
        self.ids[slot] = None
        self.keywords.remove(slot)
        for column in self.columns.values():
            column.clear(slot)
        for mask in self.has_vector.values():
            mask[slot] = False

    def reserve(self, needed: int) -> None:
        """Make room for ``needed`` slots."""
        if needed <= self.capacity:
            return
        capacity = max(needed, int(self.capacity * 1.5), 1024)
        extra = capacity - self.capacity
        self.pks = np.concatenate([self.pks, np.zeros(extra, dtype=np.int64)])
        self.alive = np.concatenate([self.alive, np.zeros(extra, dtype=bool)])
        for name, d in self.dimensions.items():
            grown = np.zeros((capacity, d), dtype=np.float32)
            grown[: self.capacity] = self.vectors[name]
            self.vectors[name] = grown
            self.has_vector[name] = np.concatenate([self.has_vector[name], np.zeros(extra, dtype=bool)])
        self.keywords.grow(capacity)
        for column in self.columns.values():
            column.grow(capacity)
        self.capacity = capacity

    def memory_bytes(self) -> int:
        """Approximate bytes held by the arrays of this index."""
        total = self.pks.nbytes + self.alive.nbytes
        total += sum(m.nbytes for m in self.vectors.values()) + sum(m.nbytes for m in self.has_vector.values())
        kw = self.keywords
        total += kw.lengths.nbytes + kw.segment_of.nbytes
        total += sum(s.slots.nbytes + s.weights.nbytes + 100 * len(s.slices) for s in kw.segments)
        total += sum(t.nbytes + 112 for t in kw.doc_terms if t is not None) * 2
        for column in self.columns.values():
            total += column.elem_slot.nbytes + column.elem_code.nbytes + column.elem_number.nbytes
            total += column.elem_alive.nbytes + column.span_start.nbytes + column.span_end.nbytes
        return total


