"""Child process of test_threaded_advise.py: opens one array NAME times ITERS
from THREADS Python threads at once, each time AdviseRead then Read of a
window, and compares every read with the values in WANT (a .npy file).
A crash inside GDAL ends this process, not the test run. Exit code 0 when
every read was exact."""
import sys
import threading

import numpy as np
from osgeo import gdal

gdal.UseExceptions()


def main(dataset, array, iters, threads, want_path):
    want = np.load(want_path)
    steps, count = want.shape[0], min(50, want.shape[0])
    failures = []

    def reader(k):
        try:
            for i in range(iters):
                ds = gdal.OpenEx(dataset, gdal.OF_MULTIDIM_RASTER)
                arr = ds.GetRootGroup().OpenMDArray(array)
                start = [(i * 7 + k * 13) % (steps - count + 1), 0, 0]
                size = [count] + list(want.shape[1:])
                if arr.AdviseRead(start, size) != gdal.CE_None:
                    raise RuntimeError("AdviseRead failed")
                got = arr.ReadAsArray(array_start_idx=start, count=size)
                if got.tobytes() != want[start[0]:start[0] + count].tobytes():
                    raise RuntimeError("thread %d, read %d: values differ" % (k, i))
        except Exception as e:  # reported by the parent
            failures.append(str(e))

    workers = [threading.Thread(target=reader, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        sys.exit("\n".join(failures))
    print("%d reads exact" % (iters * threads))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
