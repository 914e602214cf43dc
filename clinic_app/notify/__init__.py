"""Email to patients and staff: composed as data, queued in the outbox, delivered by the worker.

Nothing is sent from a web request: ``flask outbox work`` (run beside the development server by
``make run``, and as a service in production) delivers what requests queued.
"""
