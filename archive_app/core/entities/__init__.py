"""Entities across the archive: the user's watch-lists of names (any script, with
aliases) matched in every document, and pattern entities found without a model
(e-mail addresses, phone numbers, links, IBANs, dates written in the text)."""
