# Page-cache versions on boards and topics, and the activity channel of restricted boards.

from django.db import migrations, models

OPEN = {"public", "members"}


def hide_restricted_channels(apps, schema_editor):
    """Activities recorded on a board not every signed-in member can read carried the board's
    slug as their channel, which member timelines show to everyone signed in; blank it."""
    Board = apps.get_model("community", "Board")
    Activity = apps.get_model("core", "Activity")
    restricted = [
        board.slug
        for board in Board.objects.select_related("parent")
        if board.visibility not in OPEN
        or (board.parent is not None and board.parent.visibility not in OPEN)
    ]
    if restricted:
        Activity.objects.filter(
            source__slug="community", channel__in=restricted, conversation_id__startswith="topic:"
        ).update(channel="")


class Migration(migrations.Migration):

    dependencies = [
        ('community', '0002_initial'),
        ('core', '0003_activity_lean_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='board',
            name='cache_version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name='topic',
            name='cache_version',
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(hide_restricted_channels, migrations.RunPython.noop),
    ]
