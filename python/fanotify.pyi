# SPDX-License-Identifier: MIT
"""Type stub of the fanotify extension module (libfanotify's Python binding)."""
import enum
import os
from types import TracebackType
from typing import (IO, Any, AsyncIterator, Callable, Iterator, NamedTuple, Optional, Sequence, Tuple,
                    Type, Union, overload)

StrPath = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]

__version__: str
LIBFANOTIFY_VERSION: str
LIBFANOTIFY_VERSION_MAJOR: int
LIBFANOTIFY_VERSION_MINOR: int
LIBFANOTIFY_VERSION_MICRO: int

# ---- enums (every member is also a module constant under its C name) ----

class Mask(enum.IntFlag):
    ACCESS: int
    MODIFY: int
    ATTRIB: int
    CLOSE_WRITE: int
    CLOSE_NOWRITE: int
    OPEN: int
    MOVED_FROM: int
    MOVED_TO: int
    CREATE: int
    DELETE: int
    DELETE_SELF: int
    MOVE_SELF: int
    OPEN_EXEC: int
    Q_OVERFLOW: int
    FS_ERROR: int
    OPEN_PERM: int
    ACCESS_PERM: int
    OPEN_EXEC_PERM: int
    PRE_ACCESS: int
    MNT_ATTACH: int
    MNT_DETACH: int
    EVENT_ON_CHILD: int
    RENAME: int
    ONDIR: int
    CLOSE: int
    MOVE: int

class InitFlag(enum.IntFlag):
    CLASS_NOTIF: int
    CLASS_CONTENT: int
    CLASS_PRE_CONTENT: int
    CLOEXEC: int
    NONBLOCK: int
    UNLIMITED_QUEUE: int
    UNLIMITED_MARKS: int
    ENABLE_AUDIT: int
    REPORT_PIDFD: int
    REPORT_TID: int
    REPORT_FID: int
    REPORT_DIR_FID: int
    REPORT_NAME: int
    REPORT_TARGET_FID: int
    REPORT_FD_ERROR: int
    REPORT_MNT: int
    REPORT_DFID_NAME: int
    REPORT_DFID_NAME_TARGET: int

class MarkFlag(enum.IntFlag):
    INODE: int
    ADD: int
    REMOVE: int
    DONT_FOLLOW: int
    ONLYDIR: int
    MOUNT: int
    IGNORED_MASK: int
    IGNORED_SURV_MODIFY: int
    FLUSH: int
    FILESYSTEM: int
    EVICTABLE: int
    IGNORE: int
    IGNORE_SURV: int
    MNTNS: int

class InfoType(enum.IntEnum):
    FID: int
    DFID_NAME: int
    DFID: int
    PIDFD: int
    ERROR: int
    RANGE: int
    MNT: int
    OLD_DFID_NAME: int
    NEW_DFID_NAME: int

class Response(enum.IntFlag):
    ALLOW: int
    DENY: int
    AUDIT: int
    INFO: int

class PathFlag(enum.IntFlag):
    DELETED: int
    PARTIAL: int
    DIR: int
    UNVERIFIED: int

class ProcFlag(enum.IntFlag):
    VERIFIED: int
    GONE: int
    PARTIAL: int
    RECORDED: int

FAN_ACCESS: Mask
FAN_MODIFY: Mask
FAN_ATTRIB: Mask
FAN_CLOSE_WRITE: Mask
FAN_CLOSE_NOWRITE: Mask
FAN_OPEN: Mask
FAN_MOVED_FROM: Mask
FAN_MOVED_TO: Mask
FAN_CREATE: Mask
FAN_DELETE: Mask
FAN_DELETE_SELF: Mask
FAN_MOVE_SELF: Mask
FAN_OPEN_EXEC: Mask
FAN_Q_OVERFLOW: Mask
FAN_FS_ERROR: Mask
FAN_OPEN_PERM: Mask
FAN_ACCESS_PERM: Mask
FAN_OPEN_EXEC_PERM: Mask
FAN_PRE_ACCESS: Mask
FAN_MNT_ATTACH: Mask
FAN_MNT_DETACH: Mask
FAN_EVENT_ON_CHILD: Mask
FAN_RENAME: Mask
FAN_ONDIR: Mask
FAN_CLOSE: Mask
FAN_MOVE: Mask

FAN_CLASS_NOTIF: InitFlag
FAN_CLASS_CONTENT: InitFlag
FAN_CLASS_PRE_CONTENT: InitFlag
FAN_CLOEXEC: InitFlag
FAN_NONBLOCK: InitFlag
FAN_UNLIMITED_QUEUE: InitFlag
FAN_UNLIMITED_MARKS: InitFlag
FAN_ENABLE_AUDIT: InitFlag
FAN_REPORT_PIDFD: InitFlag
FAN_REPORT_TID: InitFlag
FAN_REPORT_FID: InitFlag
FAN_REPORT_DIR_FID: InitFlag
FAN_REPORT_NAME: InitFlag
FAN_REPORT_TARGET_FID: InitFlag
FAN_REPORT_FD_ERROR: InitFlag
FAN_REPORT_MNT: InitFlag
FAN_REPORT_DFID_NAME: InitFlag
FAN_REPORT_DFID_NAME_TARGET: InitFlag

FAN_MARK_INODE: MarkFlag
FAN_MARK_ADD: MarkFlag
FAN_MARK_REMOVE: MarkFlag
FAN_MARK_DONT_FOLLOW: MarkFlag
FAN_MARK_ONLYDIR: MarkFlag
FAN_MARK_MOUNT: MarkFlag
FAN_MARK_IGNORED_MASK: MarkFlag
FAN_MARK_IGNORED_SURV_MODIFY: MarkFlag
FAN_MARK_FLUSH: MarkFlag
FAN_MARK_FILESYSTEM: MarkFlag
FAN_MARK_EVICTABLE: MarkFlag
FAN_MARK_IGNORE: MarkFlag
FAN_MARK_IGNORE_SURV: MarkFlag
FAN_MARK_MNTNS: MarkFlag

FAN_EVENT_INFO_TYPE_FID: InfoType
FAN_EVENT_INFO_TYPE_DFID_NAME: InfoType
FAN_EVENT_INFO_TYPE_DFID: InfoType
FAN_EVENT_INFO_TYPE_PIDFD: InfoType
FAN_EVENT_INFO_TYPE_ERROR: InfoType
FAN_EVENT_INFO_TYPE_RANGE: InfoType
FAN_EVENT_INFO_TYPE_MNT: InfoType
FAN_EVENT_INFO_TYPE_OLD_DFID_NAME: InfoType
FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: InfoType

FAN_ALLOW: Response
FAN_DENY: Response
FAN_AUDIT: Response
FAN_INFO: Response

LIBFANOTIFY_PATH_DELETED: PathFlag
LIBFANOTIFY_PATH_PARTIAL: PathFlag
LIBFANOTIFY_PATH_DIR: PathFlag
LIBFANOTIFY_PATH_UNVERIFIED: PathFlag
LIBFANOTIFY_PROC_VERIFIED: ProcFlag
LIBFANOTIFY_PROC_GONE: ProcFlag
LIBFANOTIFY_PROC_PARTIAL: ProcFlag
LIBFANOTIFY_PROC_RECORDED: ProcFlag
LIBFANOTIFY_SUBTREE_DIR: int
LIBFANOTIFY_SUBTREE_FOUND: int
LIBFANOTIFY_SUBTREE_UNWATCHED: int

FAN_NOFD: int
FAN_NOPIDFD: int
FAN_EPIDFD: int
FAN_RESPONSE_INFO_NONE: int
FAN_RESPONSE_INFO_AUDIT_RULE: int
FAN_ERRNO_BITS: int
FAN_ERRNO_SHIFT: int
FAN_ERRNO_MASK: int
FANOTIFY_METADATA_VERSION: int
FAN_EVENT_METADATA_LEN: int
LIBFANOTIFY_ANSWER_SELF: int
LIBFANOTIFY_SKIP_SELF: int
LIBFANOTIFY_DEFAULT_BUF_SIZE: int
LIBFANOTIFY_MIN_BUF_SIZE: int

# ---- errors ----

class Error(OSError): ...
class StaleEventError(Error): ...
class AlreadyAnsweredError(Error): ...
class GroupClosedError(Error): ...
class MalformedError(Error): ...

# ---- records and values ----

class FidRecord(NamedTuple):
    type: InfoType
    fsid: Tuple[int, int]
    handle_type: int
    handle: bytes
    name: Optional[str]

class PidfdRecord(NamedTuple):
    type: InfoType
    pidfd: int

class ErrorRecord(NamedTuple):
    type: InfoType
    error: int
    count: int

class RangeRecord(NamedTuple):
    type: InfoType
    offset: int
    count: int

class MntRecord(NamedTuple):
    type: InfoType
    mnt_id: int

class UnknownRecord(NamedTuple):
    type: int
    data: bytes

Record = Union[FidRecord, PidfdRecord, ErrorRecord, RangeRecord, MntRecord, UnknownRecord]

class GroupStats(NamedTuple):
    batches: int
    events: int
    overflows: int
    default_answers: int
    self_answers: int
    answer_errors: int
    malformed: int
    caller_answers: int
    deadline_answers: int

class Process:
    @property
    def pid(self) -> int: ...
    @property
    def tid(self) -> int: ...
    @property
    def ppid(self) -> Optional[int]: ...
    @property
    def uid(self) -> Optional[int]: ...
    @property
    def euid(self) -> Optional[int]: ...
    @property
    def gid(self) -> Optional[int]: ...
    @property
    def comm(self) -> Optional[str]: ...
    @property
    def exe(self) -> Optional[str]: ...
    @property
    def flags(self) -> ProcFlag: ...
    @property
    def error(self) -> int: ...
    @property
    def verified(self) -> bool: ...
    @property
    def gone(self) -> bool: ...
    @property
    def partial(self) -> bool: ...
    @property
    def recorded(self) -> bool: ...

class ProcessInfo(Process):
    @property
    def egid(self) -> Optional[int]: ...
    @property
    def cgroup_id(self) -> Optional[int]: ...
    @property
    def cgroup(self) -> Optional[str]: ...
    @property
    def mntns(self) -> Optional[int]: ...

class ProcessParent(NamedTuple):
    pid: int
    comm: Optional[str]
    flags: ProcFlag

class ProcStats(NamedTuple):
    table: int
    lookups: int
    verified: int
    recorded: int
    unknown: int
    ambiguous: int
    untrusted: int
    records: int
    records_lost: int
    connector_lost: int
    reaped: int

# ---- events, batches, groups ----

AuditRule = Tuple[int, int, int]

class Event:
    @property
    def mask(self) -> Mask: ...
    @property
    def pid(self) -> int: ...
    @property
    def fd(self) -> Optional[int]: ...
    @property
    def fd_error(self) -> int: ...
    @property
    def pidfd(self) -> Optional[int]: ...
    @property
    def info(self) -> Tuple[Record, ...]: ...
    @property
    def path(self) -> Optional[str]: ...
    @property
    def new_path(self) -> Optional[str]: ...
    @property
    def path_flags(self) -> PathFlag: ...
    @property
    def new_path_flags(self) -> PathFlag: ...
    @property
    def path_error(self) -> int: ...
    @property
    def new_path_error(self) -> int: ...
    @property
    def process(self) -> Optional[Process]: ...
    @property
    def process_info(self) -> Optional[ProcessInfo]: ...
    @property
    def is_permission(self) -> bool: ...
    @property
    def is_overflow(self) -> bool: ...
    @property
    def needs_answer(self) -> bool: ...
    @property
    def deferred(self) -> bool: ...
    @property
    def answered(self) -> bool: ...
    @property
    def finished(self) -> bool: ...
    @property
    def raw(self) -> bytes: ...
    @property
    def group(self) -> Optional[Group]: ...
    @overload
    def take_fd(self) -> int: ...
    @overload
    def take_fd(self, mode: str, **open_kwargs: Any) -> IO[Any]: ...
    def take_pidfd(self) -> int: ...
    def allow(self, *, audit: bool = ..., rule: Optional[AuditRule] = ...) -> None: ...
    def deny(self, errno: Optional[int] = ..., *, audit: bool = ...,
             rule: Optional[AuditRule] = ...) -> None: ...
    def respond(self, response: int, *, rule: Optional[AuditRule] = ...) -> None: ...
    def defer(self) -> Event: ...
    def set_deadline(self, timeout: float, response: int) -> None: ...
    def parents(self, max: int = ...) -> Tuple[ProcessParent, ...]: ...
    def find_info(self, type: int) -> Optional[Record]: ...

class Batch(Sequence[Event]):
    @property
    def finished(self) -> bool: ...
    @property
    def malformed(self) -> bool: ...
    @property
    def events(self) -> Tuple[Event, ...]: ...
    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, i: int) -> Event: ...
    @overload
    def __getitem__(self, s: slice) -> Tuple[Event, ...]: ...
    def __iter__(self) -> Iterator[Event]: ...
    def release(self) -> None: ...
    def __enter__(self) -> Batch: ...
    def __exit__(self, t: Optional[Type[BaseException]], v: Optional[BaseException],
                 tb: Optional[TracebackType]) -> bool: ...

class Group:
    def __init__(self, init_flags: int, event_f_flags: int = ..., *,
                 default_response: Optional[int] = ..., buffer_size: int = ...,
                 answer_self: bool = ..., skip_self: bool = ..., cache_bytes: int = ...,
                 proc_cache_entries: int = ..., perm_deadline: Optional[float] = ...,
                 perm_deadline_response: Optional[int] = ..., proc_table: bool = ...) -> None: ...
    @classmethod
    def adopt(cls, fd: int, *, default_response: Optional[int] = ..., buffer_size: int = ...,
              answer_self: bool = ..., skip_self: bool = ..., cache_bytes: int = ...,
              proc_cache_entries: int = ..., perm_deadline: Optional[float] = ...,
              perm_deadline_response: Optional[int] = ..., proc_table: bool = ...) -> Group: ...
    @property
    def closed(self) -> bool: ...
    @property
    def init_flags(self) -> InitFlag: ...
    @property
    def event_f_flags(self) -> int: ...
    def fileno(self) -> int: ...
    def close(self) -> None: ...
    def __enter__(self) -> Group: ...
    def __exit__(self, t: Optional[Type[BaseException]], v: Optional[BaseException],
                 tb: Optional[TracebackType]) -> bool: ...
    def mark(self, path: Union[StrPath, int], mask: int, flags: int = ..., *,
             dir_fd: Optional[int] = ...) -> None: ...
    def unmark(self, path: Union[StrPath, int], mask: int, flags: int = ..., *,
               dir_fd: Optional[int] = ...) -> None: ...
    def flush_marks(self, type: int = ...) -> None: ...
    def mark_mntns(self, mask: int, ns: Union[None, int, StrPath] = ...) -> None: ...
    def fanotify_mark(self, flags: int, mask: int, dir_fd: Optional[int] = ...,
                      path: Optional[StrPath] = ...) -> None: ...
    def add_mount(self, path: Union[StrPath, int]) -> None: ...
    def read(self, timeout: Optional[float] = ...) -> Batch: ...
    def release(self) -> None: ...
    def stats(self) -> GroupStats: ...
    def flush_resolver(self) -> None: ...
    def proc_stats(self) -> ProcStats: ...
    def proc_table_fileno(self) -> int: ...
    def read_proc_table(self) -> None: ...
    def __iter__(self) -> Iterator[Event]: ...
    def __aiter__(self) -> AsyncIterator[Event]: ...

# ---- subtrees (libfanotify 1.1) ----

class SubtreeEntry(NamedTuple):
    path: str
    flags: int
    error: int
    root: int
    trigger: Optional[Event]

class SubtreeStats(NamedTuple):
    dirs: int
    marked: int
    unmarked: int
    mark_errors: int
    enospc: int
    emfile: int
    eacces: int
    scanned: int
    found: int
    moved_in: int
    moved_out: int
    moved_within: int
    unreachable: int
    dropped: int
    rescans: int
    skipped: int

class Subtree:
    def __init__(self, group: Group, mask: int = ..., *, filesystem: bool = ...,
                 found: Optional[Callable[[SubtreeEntry], Any]] = ...,
                 skip: Optional[Callable[[str], bool]] = ...,
                 rescan_gap: float = ...) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def group(self) -> Group: ...
    def close(self) -> None: ...
    def __enter__(self) -> Subtree: ...
    def __exit__(self, t: Optional[Type[BaseException]], v: Optional[BaseException],
                 tb: Optional[TracebackType]) -> bool: ...
    def add_group(self, group: Group, mask: int) -> None: ...
    def add_root(self, path: StrPath, *, dir_fd: Optional[int] = ...) -> int: ...
    def remove_root(self, root: int) -> None: ...
    def handle(self, event: Event) -> None: ...
    def in_scope(self, event: Event) -> Optional[int]: ...
    def timeout(self) -> Optional[float]: ...
    def rescan(self) -> None: ...
    def stats(self) -> SubtreeStats: ...

# ---- functions ----

def event_name(bit: int) -> Optional[str]: ...
def event_since(bit: int) -> Optional[str]: ...
def event_from_name(name: str) -> Mask: ...
def init_flag_name(flag: int) -> Optional[str]: ...
def init_flag_since(flag: int) -> Optional[str]: ...
def mark_flag_name(flag: int) -> Optional[str]: ...
def mark_flag_since(flag: int) -> Optional[str]: ...
def info_type_name(type: int) -> Optional[str]: ...
def mask_names(mask: int, sep: str = ...) -> str: ...
def deny_errno(errno: int) -> int: ...
def path_quote(path: StrPath, *, always: bool = ..., bare: bool = ...) -> str: ...
def probe_init(init_flags: int, event_f_flags: int = ...) -> int: ...
def probe_mark(init_flags: int, mark_flags: int, mask: int,
               path: Optional[StrPath] = ...) -> int: ...
def library_version() -> Tuple[str, int, int, int]: ...
def parse_events(buffer: bytes, *, strict: bool = ...) -> Tuple[Event, ...]: ...
