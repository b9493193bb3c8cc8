"""The per-commune setting for automatic first receipt blocks (read and set)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from server.deps import CurrentPrincipal, SessionDep
from server.enrollments.first_block import FirstBlockSetting, get_first_block, set_first_block

router = APIRouter(prefix="/api/v1", tags=["receipts"])


@router.get("/receipt-settings", response_model=FirstBlockSetting)
def read_first_block_setting(
    principal: CurrentPrincipal,
    session: SessionDep,
    commune_code: Annotated[int, Query(ge=1, le=999_999)],
) -> FirstBlockSetting:
    """Size of the block a new agent device of the commune gets at first login (0: none)."""
    size = get_first_block(session, principal=principal, commune_code=commune_code)
    return FirstBlockSetting(commune_code=commune_code, first_block_size=size)


@router.put("/receipt-settings", response_model=FirstBlockSetting)
def write_first_block_setting(
    body: FirstBlockSetting, principal: CurrentPrincipal, session: SessionDep
) -> FirstBlockSetting:
    """Coordinators allow (size > 0) or stop (0) automatic first blocks for a commune."""
    row = set_first_block(session, principal=principal, data=body)
    session.commit()
    return FirstBlockSetting(commune_code=row.commune_code, first_block_size=row.first_block_size)
