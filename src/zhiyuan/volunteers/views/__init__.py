"""The office pages of registered volunteers, mounted at /volunteers/ (`volunteers.urls`):
`ledger` (the ledger, registration, the lifecycle, its exports and the registration form),
`bodies` (registration bodies, delegations, Attachment 2), `work` (volunteers' requests,
membership applications), `imports` (roster imports)."""
