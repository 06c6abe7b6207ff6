"""The field kit (ADR 0027): a laptop that works a whole day offline with the desk's own services, then syncs
exactly once with the office. Office side: kits, the operations they sent, the conflict queue. Kit side: the
replica of its communes, the journal, and the client that checks out and syncs."""
