"""`cpin exam`: a mock certification in the platform's shape (cpin-reference.md §1.3, §2.4).

`grader.exam_pool` (the labs and the QCM draw, as data; read by course grading too) → session.py (subject,
clock, answers, submission) → grading.py (live grading by the trainer, per lab, question and skill) → attestation.py (signed, honest).
`grader.exam_marker` holds the mark of a running session, which the learner API reads.
"""
