// The KERCHUNK driver: registration, Identify and Open.
#include "codecs.h"

#include "gdal_priv.h"

namespace
{

int KerchunkIdentify(GDALOpenInfo *poOpenInfo)
{
    return STARTS_WITH_CI(poOpenInfo->pszFilename, "KERCHUNK:");
}

GDALDataset *KerchunkOpen(GDALOpenInfo *poOpenInfo)
{
    if (!KerchunkIdentify(poOpenInfo))
        return nullptr;
    return nullptr;
}

}  // namespace

extern "C" CPL_DLL void GDALRegister_KERCHUNK();
extern "C" CPL_DLL void GDALRegisterMe();

void GDALRegister_KERCHUNK()
{
    if (!GDAL_CHECK_VERSION("KERCHUNK"))
        return;
    if (GDALGetDriverByName("KERCHUNK") != nullptr)
        return;

    kerchunk::RegisterCodecs();

    auto poDriver = std::make_unique<GDALDriver>();
    poDriver->SetDescription("KERCHUNK");
    poDriver->SetMetadataItem(GDAL_DCAP_RASTER, "YES");
    poDriver->SetMetadataItem(GDAL_DCAP_MULTIDIM_RASTER, "YES");
    poDriver->SetMetadataItem(GDAL_DMD_LONGNAME, "Kerchunk references");
    poDriver->pfnIdentify = KerchunkIdentify;
    poDriver->pfnOpen = KerchunkOpen;
    GetGDALDriverManager()->RegisterDriver(poDriver.release());
}

void GDALRegisterMe()
{
    GDALRegister_KERCHUNK();
}
