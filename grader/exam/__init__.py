"""`cpin exam`: a mock certification in the platform's shape (cpin-reference.md §1.3, §2.4).

pool.py (the labs and the QCM draw, as data) → session.py (subject, clock, answers, submission) →
grading.py (live grading by the trainer, per lab, question and skill) → attestation.py (signed, honest).
"""
