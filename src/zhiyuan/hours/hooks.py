"""What the apps above hours do when the ledger changes, without hours importing them (hours sits
below recognition): they connect receivers to these signals in their `AppConfig.ready`.

`corrections_confirmed` is sent by `services.confirm_records` inside the transaction that
confirms records, after they joined their chains and were audited, when at least one of them is
a correction (a record replacing a confirmed one: 民政部令第67号 第十六条), with `records` (the
confirmed corrections) and `actor`. Receivers run in that transaction: one that raises undoes
the confirmation. Today: recognition flags a star award whose threshold the volunteer's hours
no longer reach (`recognition.services.flag_awards_after_correction`).
"""

from django.dispatch import Signal

corrections_confirmed = Signal()
