"""Short links in SMS: ``/i/<step>`` leads to the step's fuller information. No personal data."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import RedirectResponse

from notifier.entrypoints.web.deps import SessionDep
from notifier.services.publishing import current_programme

router = APIRouter(tags=["links"])


@router.get("/i/{step_key}")
def step_link(step_key: str, session: SessionDep) -> RedirectResponse:
    _, programme = current_programme(session)
    for step in programme.steps:
        if step.key == step_key:
            return RedirectResponse(step.link, status_code=302)
    raise HTTPException(status_code=404, detail="unknown link")
