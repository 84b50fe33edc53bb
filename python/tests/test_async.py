# SPDX-License-Identifier: MIT
"""asyncio: loop.add_reader() on fileno(), `async for ev in group`,
cancellation, close while waiting, permission events answered in a task."""
import asyncio
import os
import subprocess

import pytest

import fanotify as F
from conftest import finish, opener

FID = F.FAN_CLASS_NOTIF | F.FAN_REPORT_DFID_NAME | F.FAN_REPORT_FID


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


async def touch(*paths):
    p = await asyncio.create_subprocess_exec("touch", *paths)
    await p.wait()


def test_add_reader(tmpfs):
    async def main():
        loop = asyncio.get_running_loop()
        got = asyncio.Queue()
        with F.Group(FID) as g:
            g.mark(tmpfs, F.FAN_CREATE)

            def readable():
                with g.read(timeout=0) as b:
                    for ev in b:
                        got.put_nowait(ev.path)
            loop.add_reader(g.fileno(), readable)
            await touch(os.path.join(tmpfs, "a"), os.path.join(tmpfs, "b"))
            paths = [await got.get(), await got.get()]
            loop.remove_reader(g.fileno())
        return paths
    assert run(main()) == [os.path.join(tmpfs, "a"), os.path.join(tmpfs, "b")]


def test_async_for(tmpfs):
    async def main():
        names = ["n%d" % i for i in range(20)]
        got = []
        with F.Group(FID) as g:
            g.mark(tmpfs, F.FAN_CREATE)

            async def produce():
                for n in names:          # in several rounds: the iterator waits in between
                    await touch(os.path.join(tmpfs, n))
            task = asyncio.ensure_future(produce())
            async for ev in g:
                got.append(os.path.basename(ev.path))
                if len(got) == len(names):
                    break
            await task
            # the loop is free: the group's descriptor is not registered any more
            assert not asyncio.get_running_loop().remove_reader(g.fileno())
        return got, names
    got, names = run(main())
    assert got == names


def test_cancelling_a_waiting_iteration(tmpfs):
    async def main():
        with F.Group(FID) as g:
            g.mark(tmpfs, F.FAN_CREATE)

            async def consume():
                async for ev in g:
                    return ev
            task = asyncio.ensure_future(consume())
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0)
            assert not asyncio.get_running_loop().remove_reader(g.fileno())
            # a new iteration works
            await touch(os.path.join(tmpfs, "x"))
            async for ev in g:
                return ev.path
    assert run(main()) == os.path.join(tmpfs, "x")


def test_close_ends_a_waiting_iteration(tmpfs):
    async def main():
        g = F.Group(FID)
        g.mark(tmpfs, F.FAN_CREATE)

        async def consume():
            return [ev async for ev in g]
        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.1)
        g.close()
        return await task
    assert run(main()) == []


def test_permission_events_in_a_task(tmpfs):
    d = os.path.join(tmpfs, "p")
    os.mkdir(d)
    for n in ("ok.txt", "no.key", "boom"):
        open(os.path.join(d, n), "w").close()

    async def main():
        with F.Group(F.FAN_CLASS_CONTENT, default_response=F.FAN_DENY) as g:
            g.mark(d, F.FAN_OPEN_PERM | F.FAN_EVENT_ON_CHILD)
            p = opener(os.path.join(d, "ok.txt"), os.path.join(d, "no.key"))
            n = 0
            async for ev in g:
                ev.deny() if ev.path.endswith(".key") else ev.allow()
                n += 1
                if n == 2:
                    break
            assert await asyncio.to_thread(finish, p) == ["ok", "EPERM"]
            # an exception in the body: the event is answered on the way out
            p = opener(os.path.join(d, "boom"))
            with pytest.raises(ZeroDivisionError):
                async for ev in g:
                    1 / 0
            assert await asyncio.to_thread(finish, p, 5) == ["EPERM"]
    run(main())
