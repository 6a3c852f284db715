// A group of the multidimensional view: GDAL's Zarr group over
// /vsikerchunk/, whose arrays and subgroups are wrapped in turn, so that
// every array reached from the root group plans its reads
// (kerchunk_md_array.h). Everything else is the Zarr group's.
#pragma once

#include "vsikerchunk.h"

#include "gdal_priv.h"

#include <memory>
#include <string>
#include <vector>

namespace kerchunk
{

class KerchunkGroup final : public GDALGroup
{
    struct ConstructionKey
    {
        explicit ConstructionKey() = default;
    };

  public:
    // Null for a null poZarrGroup. poRefs: the references the Zarr group
    // reads (null: reads are not planned).
    static std::shared_ptr<GDALGroup>
    Wrap(const std::shared_ptr<GDALGroup> &poZarrGroup,
         const std::shared_ptr<const LoadedReferences> &poRefs);

    KerchunkGroup(ConstructionKey, std::shared_ptr<GDALGroup> poZarrGroup,
                  std::shared_ptr<const LoadedReferences> poRefs);

    std::vector<std::string> GetMDArrayNames(CSLConstList papszOptions = nullptr) const override;
    std::shared_ptr<GDALMDArray> OpenMDArray(const std::string &osName,
                                             CSLConstList papszOptions = nullptr) const override;
    std::vector<std::string> GetGroupNames(CSLConstList papszOptions = nullptr) const override;
    std::shared_ptr<GDALGroup> OpenGroup(const std::string &osName,
                                         CSLConstList papszOptions = nullptr) const override;
    std::vector<std::string>
    GetVectorLayerNames(CSLConstList papszOptions = nullptr) const override;
    OGRLayer *OpenVectorLayer(const std::string &osName,
                              CSLConstList papszOptions = nullptr) const override;
    std::vector<std::shared_ptr<GDALDimension>>
    GetDimensions(CSLConstList papszOptions = nullptr) const override;
    std::shared_ptr<GDALGroup> CreateGroup(const std::string &osName,
                                           CSLConstList papszOptions = nullptr) override;
    std::shared_ptr<GDALDimension> CreateDimension(const std::string &osName,
                                                   const std::string &osType,
                                                   const std::string &osDirection,
                                                   GUInt64 nSize,
                                                   CSLConstList papszOptions = nullptr) override;
    std::shared_ptr<GDALMDArray>
    CreateMDArray(const std::string &osName,
                  const std::vector<std::shared_ptr<GDALDimension>> &aoDimensions,
                  const GDALExtendedDataType &oDataType,
                  CSLConstList papszOptions = nullptr) override;
    CSLConstList GetStructuralInfo() const override;
    void ClearStatistics() override;

    std::shared_ptr<GDALAttribute> GetAttribute(const std::string &osName) const override;
    std::vector<std::shared_ptr<GDALAttribute>>
    GetAttributes(CSLConstList papszOptions = nullptr) const override;
    std::shared_ptr<GDALAttribute> CreateAttribute(const std::string &osName,
                                                   const std::vector<GUInt64> &anDimensions,
                                                   const GDALExtendedDataType &oDataType,
                                                   CSLConstList papszOptions = nullptr) override;

  private:
    std::shared_ptr<GDALGroup> m_poZarrGroup;
    std::shared_ptr<const LoadedReferences> m_poRefs;
};

}  // namespace kerchunk
