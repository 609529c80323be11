"""The user's work: the annotation store, annotations and tags, anchoring,
imports of other tools' annotations, tag renames and the undo history."""
