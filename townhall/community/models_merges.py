"""What a merge of two people moved in the community space, so that unmerging puts it
back exactly (services/member_merges.py)."""

from __future__ import annotations

from django.db import models


class MovedRows(models.Model):
    """The rows of one model whose `field` a merge changed from the absorbed member to
    the kept one. `merge_id` is core's MergeRecord id (a plain number: the community
    app keeps no key into core's merge bookkeeping)."""

    merge_id = models.BigIntegerField(db_index=True)
    model = models.CharField(max_length=64)  # "community.reply"
    field = models.CharField(max_length=64)  # "author"
    row_ids = models.JSONField(default=list)

    class Meta:
        verbose_name_plural = "moved rows"
        constraints = [
            models.UniqueConstraint(fields=["merge_id", "model", "field"], name="moved_rows_once")
        ]

    def __str__(self) -> str:
        return f"merge {self.merge_id}: {len(self.row_ids)} {self.model}.{self.field}"
