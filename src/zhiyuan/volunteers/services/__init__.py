"""Writes for registered volunteers, one module per concern: `bodies` (registration bodies,
delegations, the point check), `registration` (the application, confirmation, numbers),
`lifecycle` (suspend, reinstate, cancel, withdraw, transfer, re-register, corrections, full
values, the photo), `teams` (memberships, volunteers' requests), `policy` (the registration
policy). Callers use the package: `services.register_volunteer(...)`.

Every change writes an audit entry; none holds an ID number or phone.
"""

# ruff: noqa: F401 - the package re-exports its modules' public names

from zhiyuan.volunteers.services.bodies import (
    BODY_KINDS,
    check_point,
    designate_body,
    designate_standard_bodies,
    grant_delegation,
    revoke_delegation,
)
from zhiyuan.volunteers.services.lifecycle import (
    PHOTO_FORMATS,
    PHOTO_MAX_BYTES,
    cancel_registration,
    reinstate_registration,
    reregister,
    reveal_personal_data,
    set_photo,
    suspend_registration,
    transfer_registration,
    update_person,
    withdraw_application,
)
from zhiyuan.volunteers.services.policy import POLICY_FIELDS, set_policy
from zhiyuan.volunteers.services.registration import (
    CONFIRM_LINK_SALT,
    CONFIRM_LINK_SECONDS,
    CONFIRM_PURPOSES,
    Registered,
    confirm_by_mobile_and_code,
    confirm_in_person,
    confirm_registration,
    confirm_with_code,
    confirm_with_link,
    confirmation_link,
    format_number,
    holder_error,
    read_confirmation_link,
    refuse_duplicates,
    register_volunteer,
    send_confirmation_request,
    send_confirmation_requests,
)
from zhiyuan.volunteers.services.teams import (
    TEAM_KINDS,
    apply_for_team,
    decide_membership,
    handle_request,
    leave_team,
    submit_request,
)
