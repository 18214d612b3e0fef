#!/usr/bin/env python3
"""Writes bench/tile-requests.txt: a fixed, shuffled list of tile paths z0-z14 over the demo
layers (and two multi-layer sets), around real places, as a web map panning would ask for.

Deterministic: the same list every run (own LCG, fixed seed). Rerun only to change the list.
"""
import math
import os

# Region of each demo layer (w, s, e, n) and the places its tiles are asked around.
SWEDEN = (10.9, 55.3, 24.2, 69.1)
DALARNA = (12.1, 59.8, 16.8, 62.3)
DALARNA_PLACES = [
    (15.63, 60.61), (15.43, 60.48), (14.54, 61.00), (15.19, 60.15), (16.17, 60.14),
    (13.72, 60.68), (13.26, 61.16), (14.99, 60.73), (15.99, 60.28), (15.12, 60.89),
]
SWEDEN_PLACES = DALARNA_PLACES[:4] + [
    (18.07, 59.33), (11.97, 57.71), (13.00, 55.60), (20.26, 63.83), (22.15, 65.58),
    (20.22, 67.86), (14.64, 63.18), (17.64, 59.86),
]
NATIONAL = ["kommuner", "lan", "tatorter", "tatortsytor", "servicepunkter", "jarnvagar",
            "vattendrag", "granser"]
REGIONAL = ["deso", "befolkning_1km", "vardcentraler", "paketombud", "hallplatser",
            "busslinjer"]
SETS = [(name, SWEDEN, SWEDEN_PLACES) for name in NATIONAL]
SETS += [(name, DALARNA, DALARNA_PLACES) for name in REGIONAL]
SETS += [("kommuner,tatorter,vattendrag,jarnvagar", SWEDEN, SWEDEN_PLACES),
         ("befolkning_1km,hallplatser,busslinjer", DALARNA, DALARNA_PLACES)]
PER_ZOOM = 8


class Lcg:
    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return self.state >> 33

    def below(self, n):
        return self.next() % n


def tile(lon, lat, z):
    n = 2 ** z
    lat = max(min(lat, 85.0511), -85.0511)
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def main():
    rng = Lcg(20261123)
    paths = []
    for name, (w, s, e, n), places in SETS:
        for z in range(0, 15):
            x0, y0 = tile(w, n, z)
            x1, y1 = tile(e, s, z)
            if (x1 - x0 + 1) * (y1 - y0 + 1) <= PER_ZOOM:
                tiles = [(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1 + 1)]
            else:
                tiles = []
                for _ in range(PER_ZOOM):
                    lon, lat = places[rng.below(len(places))]
                    x, y = tile(lon, lat, z)
                    jitter = min(2, 2 ** z // 2)
                    x += rng.below(2 * jitter + 1) - jitter
                    y += rng.below(2 * jitter + 1) - jitter
                    tiles.append((min(max(x, 0), 2**z - 1), min(max(y, 0), 2**z - 1)))
            paths += [f"/tiles/{name}/{z}/{x}/{y}.mvt" for x, y in tiles]
    for i in range(len(paths) - 1, 0, -1):
        j = rng.below(i + 1)
        paths[i], paths[j] = paths[j], paths[i]
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tile-requests.txt")
    with open(out, "w") as f:
        f.write("\n".join(paths) + "\n")
    print(f"wrote {len(paths)} requests to {out}")


if __name__ == "__main__":
    main()
