"""The contracting unit on wordings common to unseen editais (issue 12): platform labels (PNCP, Licitanet,
BNC, Licitar Digital "Órgão/Entidade:"), preambles whose subject carries an apposition before "por
intermédio de <unit>", letterhead hierarchies (ministry → secretariat → unit) and departments that only
run the purchase. Every passage is synthetic; negatives must keep the body they name."""

from __future__ import annotations

import pytest
from _synthetic import FILLER, fields

TITLE = "EDITAL DE PREGÃO ELETRÔNICO Nº 4/2025\n"

UNITS = [
    # platform labels: the buying unit first, the bare "Órgão:" when nothing else is named
    ("Órgão/Entidade: Prefeitura Municipal de Exemplo\n" + TITLE, "Prefeitura Municipal de Exemplo"),
    ("Órgão: PREFEITURA MUNICIPAL DE EXEMPLO\n" + TITLE, "Prefeitura Municipal de Exemplo"),
    ("Órgão: MUNICÍPIO DE EXEMPLO\nUnidade compradora: 1 - SECRETARIA MUNICIPAL DE SAÚDE\n" + TITLE,
     "Secretaria Municipal de Saúde"),
    ("Órgão licitante: Câmara Municipal de Exemplo\n" + TITLE, "Câmara Municipal de Exemplo"),
    ("Entidade promotora: Consórcio Intermunicipal de Saúde do Vale\n" + TITLE,
     "Consórcio Intermunicipal de Saúde do Vale"),
    # a budget line ("Órgão: 02 - …") is not the platform's buyer label
    ("PREFEITURA MUNICIPAL DE EXEMPLO\n" + TITLE + "Dotação orçamentária\nÓrgão: 02 - GABINETE DO PREFEITO\n",
     "Prefeitura Municipal de Exemplo"),
    # the subject's clause carries an apposition before the unit acting for it
    ("PREFEITURA MUNICIPAL DE EXEMPLO\n" + TITLE + "O MUNICÍPIO DE EXEMPLO, Estado de Goiás, inscrito no CNPJ sob "
     "nº 01.234.567/0001-00, por intermédio do FUNDO MUNICIPAL DE SAÚDE, torna público que realizará licitação.",
     "Município de Exemplo – Fundo Municipal de Saúde"),
    (TITLE + "Torna-se público que o Município de Exemplo, pessoa jurídica de direito público interno, por meio da "
     "Secretaria Municipal de Saúde, sediada na Rua X, realizará licitação.",
     "Município de Exemplo – Secretaria Municipal de Saúde"),
    (TITLE + "Torna-se público, para conhecimento dos interessados, que a Universidade Federal de Exemplo, por meio "
     "da Pró-Reitoria de Administração, sediada na Rua X, realizará licitação.",
     "Universidade Federal de Exemplo – Pró-Reitoria de Administração"),
    # a department that runs the purchase is an agent: the body stays
    (TITLE + "A Universidade Federal de Exemplo, por meio do Departamento de Compras, sediado na Rua X, torna "
     "público que realizará licitação.", "Universidade Federal de Exemplo"),
    (TITLE + "O Município de Exemplo torna público que realizará licitação. A sessão será conduzida por meio da "
     "Secretaria de Administração, na sala X.", "Município de Exemplo"),
    # an agent as the subject: its body, without the verb
    (TITLE + "O Presidente da Câmara Municipal de Exemplo torna público que realizará licitação.",
     "Câmara Municipal de Exemplo"),
    # letterhead hierarchies: the deepest line that is neither a parent nor a purchasing department
    ("MINISTÉRIO DA SAÚDE\nSECRETARIA DE ATENÇÃO ESPECIALIZADA\nHOSPITAL FEDERAL DE EXEMPLO\n" + TITLE,
     "Hospital Federal de Exemplo"),
    ("GOVERNO DO ESTADO DO PARANÁ\nSECRETARIA DA SAÚDE\n" + TITLE, "Secretaria da Saúde"),
    ("MINISTÉRIO DA EDUCAÇÃO\nUNIVERSIDADE FEDERAL DE EXEMPLO\nDEPARTAMENTO DE COMPRAS E LICITAÇÕES\n" + TITLE,
     "Universidade Federal de Exemplo"),
    # a federal institute's or university's campus below its letterhead buys, as an armed force's unit does
    ("MINISTÉRIO DA EDUCAÇÃO\nINSTITUTO FEDERAL DE EDUCAÇÃO, CIÊNCIA E TECNOLOGIA DO CEARÁ\nCAMPUS CRATO\n" + TITLE,
     "Instituto Federal de Educação, Ciência e Tecnologia do Ceará – Campus Crato"),
    ("MINISTÉRIO DA EDUCAÇÃO\nUNIVERSIDADE FEDERAL DE EXEMPLO\nCÂMPUS NORTE\n" + TITLE,
     "Universidade Federal de Exemplo – Câmpus Norte"),
    ("MINISTÉRIO DA EDUCAÇÃO\nINSTITUTO FEDERAL DE EDUCAÇÃO, CIÊNCIA E TECNOLOGIA DO CEARÁ\nREITORIA\n" + TITLE,
     "Instituto Federal de Educação, Ciência e Tecnologia do Ceará"),
    # a letterhead line that ends on "E"/"DE" runs on to the next line
    ("MINISTÉRIO DA EDUCAÇÃO\nINSTITUTO FEDERAL DE EDUCAÇÃO, CIÊNCIA E\nTECNOLOGIA DE SÃO PAULO\nCAMPUS CAMPINAS\n"
     + TITLE, "Instituto Federal de Educação, Ciência e Tecnologia de São Paulo – Campus Campinas"),
    ("MINISTÉRIO DA EDUCAÇÃO\nINSTITUTO FEDERAL DE EDUCAÇÃO, CIÊNCIA E\nTECNOLOGIA DE SÃO PAULO\n" + TITLE,
     "Instituto Federal de Educação, Ciência e Tecnologia de São Paulo"),
    ("MINISTÉRIO DA SAÚDE\nHOSPITAL FEDERAL DE EXEMPLO\n" + TITLE, "Hospital Federal de Exemplo"),
    # ComprasNet's abbreviated buyer line gives way to the name the letterhead writes out, and stays alone
    ("MINISTÉRIO DA EDUCAÇÃO\nINSTITUTO FEDERAL DE EDUCAÇÃO, CIÊNCIA E TECNOLOGIA DO CEARÁ\n" + TITLE
     + "UASG 158135 - INST.FED.DE EDUC.,CIENC.E TEC.DO CEARA\n",
     "Instituto Federal de Educação, Ciência e Tecnologia do Ceará"),
    (TITLE + "UASG 158135 - INST.FED.DE EDUC.,CIENC.E TEC.DO CEARA\n", "Inst.fed.de Educ.,cienc.e Tec.do Ceara"),
    ("MINISTÉRIO DA EDUCAÇÃO\nUNIVERSIDADE FEDERAL DE EXEMPLO\n" + TITLE + "UASG 153000 - HOSPITAL UNIVERSITÁRIO DE "
     "EXEMPLO\n", "Hospital Universitário de Exemplo"),
    # the comma inside a federal institute's name does not end the preamble's subject
    (TITLE + "O Instituto Federal de Educação, Ciência e Tecnologia do Ceará, por meio do pregoeiro, torna público "
     "que realizará licitação.", "Instituto Federal de Educação, Ciência e Tecnologia do Ceará"),
    # a name in capitals does not run into the document's title on the next line
    ("Órgão: 02 - SECRETARIA MUNICIPAL DE EDUCAÇÃO\nEDITAL\n", "Secretaria Municipal de Educação"),
]


@pytest.mark.parametrize(("text", "value"), UNITS)
def test_contracting_unit_in_general_wording(text: str, value: str) -> None:
    assert fields(text + FILLER)["agency"] == value
