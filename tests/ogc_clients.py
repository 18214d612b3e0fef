"""Real Python clients of Kartrummet's OGC API, run by tests/ogc.rs in a venv it creates.

    python ogc_clients.py owslib URL            -> JSON: collection ids, items read with bbox and limit
    python ogc_clients.py gdal-crs URL LAYER OUT -> copies LAYER with GDAL's OAPIF driver (from the
                                                    fiona wheel: GDAL >= 3.7 has the CRS option)
                                                    in EPSG:3006 into the GeoPackage OUT
"""
import json
import sys


def owslib(url):
    from owslib.ogcapi.features import Features

    api = Features(url)
    ids = [c["id"] for c in api.collections()["collections"]]
    # Around Falun, in CRS84 (lon/lat).
    bbox = [15.5, 60.55, 15.75, 60.65]
    page = api.collection_items("servicepunkter", bbox=bbox, limit=7)
    features = page["features"]
    return {
        "collections": ids,
        "numberMatched": page["numberMatched"],
        "numberReturned": page["numberReturned"],
        "coordinates": [f["geometry"]["coordinates"] for f in features],
        "bbox": bbox,
    }


def gdal_crs(url, layer, out):
    import fiona

    # fiona lists only the drivers it writes; its GDAL has OAPIF (read-only).
    fiona.supported_drivers["OAPIF"] = "r"
    with fiona.open(f"OAPIF:{url}", layer=layer, CRS="EPSG:3006") as src:
        with fiona.open(out, "w", driver="GPKG", schema=src.schema, crs=src.crs, layer=layer) as dst:
            dst.writerecords(src)
        return {"gdal": fiona.__gdal_version__, "crs": str(src.crs), "count": len(src)}


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    result = {"owslib": owslib, "gdal-crs": gdal_crs}[command](*args)
    print(json.dumps(result))
