# Copyright: Contributors to the fediverse.deploy project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Errors raised by the Twitter migration helper; each names the file and, when known, the position."""

from __future__ import annotations


class MigrationError(Exception):
    """Base class: the CLI exits with status 2 and the module fails with the message."""


class InputError(MigrationError):
    """An input cannot be read: missing, truncated, invalid JSON, unknown format."""

    def __init__(self, source, message, line=None, column=None):
        self.source = source
        self.message = message
        self.line = line
        self.column = column
        where = str(source)
        if line is not None:
            where += ", line %d" % line
            if column is not None:
                where += ", column %d" % column
        super().__init__("%s: %s" % (where, message))


class OutputError(MigrationError):
    """An output cannot be written (the destination is missing or not writable)."""


class UnknownFormat(InputError):
    """The input is readable but is not Twitter data. In a folder such a file is skipped and reported."""


class OptionError(MigrationError):
    """An option has a value the run cannot use; `option` is the module's name for it (the CLI maps it)."""

    def __init__(self, option, message):
        self.option = option
        self.message = message
        super().__init__("%s: %s" % (option, message))
