"""The transactional booking service: locks rows, asks the scheduling core, writes documents and the
journal in one database transaction. Controllers, the API and jobs call this; nothing here decides a
rule the core already decides."""
