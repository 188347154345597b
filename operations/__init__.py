"""运营中心 (operations center) domain logic: manual verification of findings, manual score entries,
score-sheet sign-off and rectification (整改) notices. Scoring itself lives in inspection/scoring.py.

Pure modules (periods, decisions, entries, notices) import no I/O library and take time as an argument;
the stores (verify_store, notice_store) persist through SQLAlchemy, check the actor's region scope and
write an audit entry with every change (docs/verification.md).
"""
