"""``/api/v1/enrollments``: partner systems enrol families and keep them up to date.

Handlers parse, call one service, answer. Ids in paths are opaque; no personal data in URLs.
Each handler holds its own unit of work, so an error rolls everything back before the API's
route class turns it into an answer (a session dependency would commit after that answer)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from notifier.adapters.db.engine import unit_of_work
from notifier.entrypoints.web.api.auth import require
from notifier.entrypoints.web.api.errors import ApiRoute, errors
from notifier.entrypoints.web.api.schemas import EnrollmentIn, EnrollmentOut, EnrollmentPatch
from notifier.entrypoints.web.deps import AppDep
from notifier.services import enrolment_api
from notifier.services.api_keys import READ, WRITE
from notifier.services.confirmation import send_confirmations
from notifier.services.enrolment_api import Partner
from notifier.services.publishing import current_programme

router = APIRouter(prefix="/api/v1/enrollments", tags=["enrollments"], route_class=ApiRoute)

Reader = Annotated[Partner, Depends(require(READ))]
Writer = Annotated[Partner, Depends(require(WRITE))]
EnrollmentId = Annotated[
    str, Path(min_length=1, max_length=32, description="the opaque id from the create answer")
]


@router.post(
    "",
    status_code=201,
    response_model=EnrollmentOut,
    responses=errors(400, 401, 403, 422, 503),
    summary="Enrol a family (each recipient confirms before anything is sent)",
)
def create_enrollment(
    body: EnrollmentIn, partner: Writer, app: AppDep, response: Response
) -> EnrollmentOut:
    with unit_of_work(app.factory) as session:
        _, programme = current_programme(session)
        family, asks = enrolment_api.enrol_for(
            session,
            partner,
            programme,
            body.as_input(),
            app.hours.today(app.now()),
            app.settings.phone_regions,
            now=app.now(),
            secret=app.settings.secret_key,
            public_url=app.settings.public_url,
        )
        created = EnrollmentOut.of(family)
    send_confirmations(app, asks)  # after the commit; a lost send goes at the next tick
    response.headers["Location"] = f"{router.prefix}/{created.id}"
    return created


@router.get(
    "/{enrollment_id}",
    response_model=EnrollmentOut,
    responses=errors(401, 403, 404, 422),
    summary="An enrollment this key created",
)
def read_enrollment(enrollment_id: EnrollmentId, partner: Reader, app: AppDep) -> EnrollmentOut:
    with unit_of_work(app.factory) as session:
        return EnrollmentOut.of(enrolment_api.family_for(session, partner, enrollment_id))


@router.patch(
    "/{enrollment_id}",
    response_model=EnrollmentOut,
    responses=errors(400, 401, 403, 404, 409, 422, 503),
    summary="Report a birth or a new due date, pause, or change how a recipient is reached",
)
def change_enrollment(
    enrollment_id: EnrollmentId,
    body: EnrollmentPatch,
    partner: Writer,
    app: AppDep,
) -> EnrollmentOut:
    with unit_of_work(app.factory) as session:
        family = enrolment_api.family_for(session, partner, enrollment_id)
        _, programme = current_programme(session)
        enrolment_api.change(
            session, family, body.as_change(), programme, app.hours, app.now(), partner.name
        )
        return EnrollmentOut.of(family)


@router.delete(
    "/{enrollment_id}",
    status_code=204,
    response_class=Response,
    responses=errors(401, 403, 404, 422),
    summary="Stop all messages and erase the family's personal data",
)
def delete_enrollment(enrollment_id: EnrollmentId, partner: Writer, app: AppDep) -> Response:
    with unit_of_work(app.factory) as session:
        family = enrolment_api.family_for(session, partner, enrollment_id)
        enrolment_api.erase(session, family, app.now(), enrolment_api.SOURCE, partner.name)
    return Response(status_code=204)
