#include "kerchunk_group.h"

#include "kerchunk_md_array.h"

namespace kerchunk
{

std::shared_ptr<GDALGroup>
KerchunkGroup::Wrap(const std::shared_ptr<GDALGroup> &poZarrGroup,
                    const std::shared_ptr<const LoadedReferences> &poRefs)
{
    if (!poZarrGroup)
        return nullptr;
    return std::make_shared<KerchunkGroup>(ConstructionKey(), poZarrGroup, poRefs);
}

KerchunkGroup::KerchunkGroup(ConstructionKey, std::shared_ptr<GDALGroup> poZarrGroup,
                             std::shared_ptr<const LoadedReferences> poRefs)
    : GDALGroup(std::string(), poZarrGroup->GetName()),
      m_poZarrGroup(std::move(poZarrGroup)), m_poRefs(std::move(poRefs))
{
    // The same names as the Zarr group: paths resolve alike.
    m_osName = m_poZarrGroup->GetName();
    m_osFullName = m_poZarrGroup->GetFullName();
}

std::vector<std::string> KerchunkGroup::GetMDArrayNames(CSLConstList papszOptions) const
{
    return m_poZarrGroup->GetMDArrayNames(papszOptions);
}

std::shared_ptr<GDALMDArray> KerchunkGroup::OpenMDArray(const std::string &osName,
                                                        CSLConstList papszOptions) const
{
    return KerchunkMDArray::Wrap(m_poZarrGroup->OpenMDArray(osName, papszOptions), m_poRefs);
}

std::vector<std::string> KerchunkGroup::GetGroupNames(CSLConstList papszOptions) const
{
    return m_poZarrGroup->GetGroupNames(papszOptions);
}

std::shared_ptr<GDALGroup> KerchunkGroup::OpenGroup(const std::string &osName,
                                                    CSLConstList papszOptions) const
{
    return Wrap(m_poZarrGroup->OpenGroup(osName, papszOptions), m_poRefs);
}

std::vector<std::string> KerchunkGroup::GetVectorLayerNames(CSLConstList papszOptions) const
{
    return m_poZarrGroup->GetVectorLayerNames(papszOptions);
}

OGRLayer *KerchunkGroup::OpenVectorLayer(const std::string &osName,
                                         CSLConstList papszOptions) const
{
    return m_poZarrGroup->OpenVectorLayer(osName, papszOptions);
}

std::vector<std::shared_ptr<GDALDimension>>
KerchunkGroup::GetDimensions(CSLConstList papszOptions) const
{
    return m_poZarrGroup->GetDimensions(papszOptions);
}

std::shared_ptr<GDALGroup> KerchunkGroup::CreateGroup(const std::string &osName,
                                                      CSLConstList papszOptions)
{
    return Wrap(m_poZarrGroup->CreateGroup(osName, papszOptions), m_poRefs);
}

std::shared_ptr<GDALDimension>
KerchunkGroup::CreateDimension(const std::string &osName, const std::string &osType,
                               const std::string &osDirection, GUInt64 nSize,
                               CSLConstList papszOptions)
{
    return m_poZarrGroup->CreateDimension(osName, osType, osDirection, nSize, papszOptions);
}

std::shared_ptr<GDALMDArray>
KerchunkGroup::CreateMDArray(const std::string &osName,
                             const std::vector<std::shared_ptr<GDALDimension>> &aoDimensions,
                             const GDALExtendedDataType &oDataType, CSLConstList papszOptions)
{
    return KerchunkMDArray::Wrap(
        m_poZarrGroup->CreateMDArray(osName, aoDimensions, oDataType, papszOptions), m_poRefs);
}

CSLConstList KerchunkGroup::GetStructuralInfo() const
{
    return m_poZarrGroup->GetStructuralInfo();
}

void KerchunkGroup::ClearStatistics()
{
    m_poZarrGroup->ClearStatistics();
}

std::shared_ptr<GDALAttribute> KerchunkGroup::GetAttribute(const std::string &osName) const
{
    return m_poZarrGroup->GetAttribute(osName);
}

std::vector<std::shared_ptr<GDALAttribute>>
KerchunkGroup::GetAttributes(CSLConstList papszOptions) const
{
    return m_poZarrGroup->GetAttributes(papszOptions);
}

std::shared_ptr<GDALAttribute>
KerchunkGroup::CreateAttribute(const std::string &osName,
                               const std::vector<GUInt64> &anDimensions,
                               const GDALExtendedDataType &oDataType,
                               CSLConstList papszOptions)
{
    return m_poZarrGroup->CreateAttribute(osName, anDimensions, oDataType, papszOptions);
}

}  // namespace kerchunk
