"""``rlcli train``'s option table (:mod:`rlcli.train_options`) is the one list of its options:
the command declares exactly its rows, and the rows fill every field of the typed inputs once."""

from __future__ import annotations

from dataclasses import fields

from rlcli.commands.train import train
from rlcli.core.config.experiments import TrainInputs
from rlcli.core.config.old_flags import OldTrainFlags
from rlcli.core.spec import RayOptions
from rlcli.train_options import TRAIN_OPTIONS, Fills, Section, rows

#: Fields no option fills directly: the KEY=VALUE arguments, the program's name, -v's outcome.
NOT_FROM_A_ROW = {
    TrainInputs: {"overrides", "legacy_defaults"},
    RayOptions: {"verbose"},
    OldTrainFlags: {"log_level"},
}
TARGETS = {Fills.INPUTS: TrainInputs, Fills.RAY: RayOptions, Fills.OLD: OldTrainFlags}


def test_the_command_declares_the_table_in_its_order():
    options = [p.name for p in train.params if p.param_type_name == "option"]
    assert options == [row.dest for row in TRAIN_OPTIONS]
    assert [p.name for p in train.params if p.param_type_name == "argument"] == ["overrides"]


def test_every_field_is_filled_by_exactly_one_row():
    for fills, cls in TARGETS.items():
        targets = [row.target for row in rows(fills)]
        assert len(targets) == len(set(targets)), fills
        assert set(targets) == {f.name for f in fields(cls)} - NOT_FROM_A_ROW[cls], fills


def test_names_and_spellings_are_unique():
    dests = [row.dest for row in TRAIN_OPTIONS]
    assert len(dests) == len(set(dests))
    spellings = [s for row in TRAIN_OPTIONS for flag in row.flags for s in flag.split("/")]
    assert len(spellings) == len(set(spellings))


def test_old_section_holds_the_old_flags_and_they_come_last():
    old = [row.dest for row in TRAIN_OPTIONS if row.section is Section.OLD]
    assert [row.dest for row in rows(Fills.OLD)] == [d for d in old if d not in ("log_info", "log_debug")]
    assert [row.dest for row in TRAIN_OPTIONS[-len(old) :]] == old
